fn main() {
    let _ = quarry::query!(select users join orders { id, total });
}
