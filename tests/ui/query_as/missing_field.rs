#[allow(dead_code)]
struct User {
    id: i32,
    username: String,
    email: Option<String>,
}

fn main() {
    let _ = quarry::query_as!(User, select users { id, username });
}
