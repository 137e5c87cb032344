#[allow(dead_code)]
struct User {
    id: i64,
    username: String,
}

fn main() {
    let _ = quarry::query_as!(User, select users { id, username });
}
