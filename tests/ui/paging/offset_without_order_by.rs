fn main() {
    let skip: i64 = 10;
    let _ = quarry::query!(select users offset $skip limit 10);
}
