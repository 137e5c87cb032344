fn main() {
    let x = 1;
    let _ = quarry::query!(select users where id == $x || username == $x);
}
