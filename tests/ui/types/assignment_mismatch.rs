fn main() {
    let _ = quarry::query!(update orders set { total: "free" } where id == 1);
}
