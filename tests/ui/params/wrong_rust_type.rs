fn main() {
    let id = "seven";
    let _ = quarry::query!(select users where id == $id);
}
