fn main() {
    let _ = quarry::query!(select orders where total like "1%");
}
