fn main() {
    let _ = quarry::query!(select users where id == "text");
}
