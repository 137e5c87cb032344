fn main() {
    // Three independent mistakes: all three are reported.
    let _ = quarry::query!(select users { id, usrname } where fulname == "x" && created_at == null);
}
