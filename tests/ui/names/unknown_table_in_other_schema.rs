fn main() {
    let _ = quarry::query!(select sales_tmp);
}
