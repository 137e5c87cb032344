fn main() {
    let _ = quarry::query!(select userz { id });
}
