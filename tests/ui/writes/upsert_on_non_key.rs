fn main() {
    let (name, full) = ("randy", "Randy Fadler");
    let _ = quarry::query!(upsert users on fullname { username: $name, fullname: $full });
}
