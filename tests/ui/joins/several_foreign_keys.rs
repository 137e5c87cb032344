fn main() {
    // A self reference can be followed both ways: which one is meant?
    let _ = quarry::query!(select employees e join employees m { e.name, m.name as other });
}
