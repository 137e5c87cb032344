fn main() {
    let (id, name, full) = (1, "randy", "Randy Fadler");
    let _ = quarry::query!(insert users { id: $id, username: $name, fullname: $full });
}
