fn main() {
    let _ = quarry::query!(select users { id, usrname });
}
