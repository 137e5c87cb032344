#[allow(dead_code)]
struct User {
    id: i32,
    email: String,
}

fn main() {
    let _ = quarry::query_as!(User, select users { id, email });
}
