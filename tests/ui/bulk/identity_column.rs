struct Log {
    id: i64,
    msg: String,
}

quarry::bulk_row!(Log => dbo.logs { id, msg });

fn main() {}
