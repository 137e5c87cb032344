fn main() {
    let _ = quarry::query!(select users { id } having id > 5);
}
