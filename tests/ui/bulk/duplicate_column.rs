struct Log {
    msg: String,
    text: String,
}

quarry::bulk_row!(Log => logs { msg, text: MSG });

fn main() {}
