fn main() {
    let a = 1;
    let b = 2;
    let _ = quarry::query!(select users where $a == $b);
}
