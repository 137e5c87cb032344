struct Sale {
    product_id: i64,
    qty: i32,
    sale_dt: quarry::types::NaiveDateTime,
    store_code: String,
    amount: Option<quarry::types::Decimal>,
}

// `product_id` is `int` (i32); only the NULL-able `amount` may be an `Option`.
quarry::bulk_row!(Sale => staging.sales_tmp { product_id, qty, sale_dt, store_code, amount });

struct Fact {
    product_id: i32,
    quantity: Option<i32>,
    sale_date: quarry::types::NaiveDate,
}

// `quantity` is NOT NULL: an `Option` field is refused.
quarry::bulk_row!(Fact => warehouse.fact_sales { product_id, quantity, sale_date });

fn main() {}
