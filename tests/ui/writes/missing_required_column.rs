fn main() {
    let name = "randy";
    let _ = quarry::query!(insert users { username: $name });
}
