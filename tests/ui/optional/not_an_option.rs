fn main() {
    let user_id = 5;
    let _ = quarry::query!(select orders where user_id == $user_id?);
}
