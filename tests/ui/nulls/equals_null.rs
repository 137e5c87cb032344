fn main() {
    let _ = quarry::query!(select users where email == null);
}
