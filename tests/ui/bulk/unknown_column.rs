struct Sale {
    product_id: i32,
    qty: i32,
    sale_dt: quarry::types::NaiveDateTime,
    store: Option<String>,
}

quarry::bulk_row!(Sale => staging.sales_tmp { product_id, qty, sale_dt, store });

fn main() {}
