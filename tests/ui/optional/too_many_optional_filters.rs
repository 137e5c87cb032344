fn main() {
    let (a, b, c, d, e, f, g): (Option<i32>, Option<i32>, Option<i32>, Option<i32>, Option<i32>, Option<i32>, Option<i32>) =
        (None, None, None, None, None, None, None);
    let _ = quarry::query!(select users where id == $a? && id == $b? && id == $c? && id == $d? && id == $e? && id == $f? && id == $g?);
}
