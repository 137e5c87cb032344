struct Sale {
    product_id: i32,
    sale_dt: quarry::types::NaiveDateTime,
}

quarry::bulk_row!(Sale => staging.sales_tmp { product_id, sale_dt });

fn main() {}
