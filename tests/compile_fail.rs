//! Compile-fail tests: every class of mistake the `query!` compiler reports,
//! one file per rule under `tests/ui/<category>/<rule>.rs`, with the full
//! expected compiler output committed beside it (`.stderr`). Regenerate with
//! `TRYBUILD=overwrite cargo test --test compile_fail` and review the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*/*.rs");
}
