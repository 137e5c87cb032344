fn main() {
    let _ = quarry::query!(select users order created_at);
}
