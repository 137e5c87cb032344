struct Profile {
    id: i32,
    username: String,
}

// A view: bulk load needs a base table.
quarry::bulk_row!(Profile => v_user_profiles { id, username });

struct Sale {
    product_id: i32,
}

// `sales_tmp` is in schema `staging`, not `dbo`.
quarry::bulk_row!(Sale => sales_tmp { product_id });

fn main() {}
