//! Pins the T-SQL of every statement the examples (`examples/*.rs`) can
//! send. Each example is its own binary with its own `quarry::STATEMENTS`,
//! so this test runs every built example with `--quarry-statements` (which
//! prints its inventory and exits without a server) and pins each statement
//! under `snapshots/examples/`, one `.snap` per statement variant. A snapshot
//! there that matches no statement any more fails the test.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Pin, parse_inventory};

/// The examples: `examples/*.rs` files with a `fn main`, sorted by name.
fn example_names() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .filter(|p| {
            std::fs::read_to_string(p)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
                .contains("fn main")
        })
        .filter_map(|p| Some(p.file_stem()?.to_str()?.to_owned()))
        .collect();
    names.sort();
    names
}

/// `target/<profile>/`: this test binary lives in its `deps/`, cargo puts
/// the examples in its `examples/`.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.parent()
        .and_then(Path::parent)
        .unwrap_or_else(|| panic!("{} is not in target/<profile>/deps", exe.display()))
        .to_path_buf()
}

fn example_binary(name: &str) -> PathBuf {
    profile_dir()
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// `cargo build --examples` with the profile this test was built with
/// (`cargo test --test examples_pinned` alone does not build the examples,
/// and cargo rebuilds only what is stale).
fn build_examples() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let profile = profile_dir();
    let profile = profile
        .file_name()
        .and_then(|p| p.to_str())
        .expect("a profile directory name");
    let mut cmd = Command::new(&cargo);
    cmd.arg("build")
        .arg("--examples")
        .arg("--manifest-path")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"));
    match profile {
        "debug" => {}
        "release" => {
            cmd.arg("--release");
        }
        other => {
            cmd.args(["--profile", other]);
        }
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{cargo} build --examples`: {e}"));
    assert!(
        out.status.success(),
        "`{cargo} build --examples` failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs example `name` with `--quarry-statements`, no server configured.
fn inventory_of(name: &str) -> String {
    let bin = example_binary(name);
    let out = Command::new(&bin)
        .arg(quarry::INVENTORY_FLAG)
        .env_remove("QUARRY_DATABASE_URL")
        .env_remove("QUARRY_TEST_URL")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
    assert!(
        out.status.success(),
        "{} {} exited with {}:\n{}",
        bin.display(),
        quarry::INVENTORY_FLAG,
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap_or_else(|e| panic!("{} printed non-UTF-8: {e}", bin.display()))
}

#[test]
fn every_example_statement_is_pinned() {
    let names = example_names();
    assert!(names.len() >= 9, "examples found: {names:?}");
    // Always ask cargo: a no-op when the examples are fresh (as after
    // `cargo test`), and an example binary left over from an older build
    // would pin statements the source no longer has.
    build_examples();
    let mut pins: Vec<Pin> = Vec::new();
    for name in &names {
        let bin = example_binary(name);
        assert!(
            bin.is_file(),
            "example binary {} is missing even after `cargo build --examples`",
            bin.display()
        );
        let text = inventory_of(name);
        let found = parse_inventory(&text).unwrap_or_else(|e| panic!("example {name}: {e}"));
        assert!(
            !found.is_empty(),
            "example {name} printed no statements for {}",
            quarry::INVENTORY_FLAG
        );
        // Each binary lists only its own statements (ids start with its
        // crate name).
        for p in &found {
            assert!(
                p.id.starts_with(&format!("{name}::")),
                "example {name} listed a foreign statement {}",
                p.id
            );
        }
        pins.extend(found);
    }
    common::pin_statements!("snapshots/examples", "", pins);
}

#[test]
fn an_inventory_splits_into_its_statements() {
    let text = "-- a::x #0 (Select)\n-- params: \n-- column id int NOT NULL\n/* quarry: a::x */\nSELECT 1\n\n\
                FROM t;\n\n-- a::y #2 (Delete)\n-- params: @P1 int\nDELETE FROM t WHERE id = @P1;\n";
    let pins = parse_inventory(text).unwrap();
    assert_eq!(
        pins.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        ["a__x_0", "a__y_2"]
    );
    // A blank line inside the SQL stays in its statement.
    assert_eq!(
        pins[0].text,
        "-- a::x #0 (Select)\n-- params: \n-- column id int NOT NULL\n/* quarry: a::x */\nSELECT 1\n\nFROM t;"
    );
    assert_eq!(pins[1].id, "a::y");
    assert!(parse_inventory("crud: no server configured\n").is_err());
    assert!(parse_inventory("-- a::x #0 (Select)\nSELECT 1;\n").is_err());
    assert_eq!(parse_inventory("").unwrap(), []);
}
