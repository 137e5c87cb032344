fn main() {
    let _ = quarry::query!(select users join orders { users.username, orders.status, count(orders.id) as n }
        group by users.username);
}
