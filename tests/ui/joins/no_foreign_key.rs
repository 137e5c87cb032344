fn main() {
    let _ = quarry::query!(select users join tags { users.username, tags.name });
}
