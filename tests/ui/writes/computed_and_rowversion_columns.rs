fn main() {
    let v = vec![0u8; 8];
    let _ = quarry::query!(update products set { stock_value: 1, row_version: $v } where id == 1);
}
