//! `cargo xtask schema refresh|diff|check` end to end: exit statuses,
//! summaries and the stale-snapshot message.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("xtask runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A scratch directory unique to one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("quarry-xtask-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

#[test]
fn refresh_writes_the_committed_snapshot_and_summarises() {
    let dir = scratch("refresh");
    let out = dir.join("quarry.schema");
    let o = xtask(&[
        "schema",
        "refresh",
        "--ddl",
        "tests/schema",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let summary = stdout(&o);
    assert!(
        summary.starts_with("17 tables, 2 views, 113 columns, 11 foreign keys, 2 skipped statements, 0 errors, 0 warnings (from 27 files)\n"),
        "{summary}"
    );
    let written = std::fs::read_to_string(&out).expect("written");
    let committed = std::fs::read_to_string(root().join("quarry.schema")).expect("committed");
    assert_eq!(written, committed);
}

#[test]
fn diff_exits_1_when_snapshots_differ_and_0_when_equal() {
    let dir = scratch("diff");
    let old = root().join("quarry.schema");
    let text = std::fs::read_to_string(&old).expect("committed");
    let new = dir.join("new.schema");
    std::fs::write(
        &new,
        text.replacen("  column shipped_at datetimeoffset(7) null\n", "", 1),
    )
    .expect("write");
    let o = xtask(&[
        "schema",
        "diff",
        old.to_str().expect("utf-8"),
        new.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let s = stdout(&o);
    assert!(
        s.starts_with("- column dbo.orders.shipped_at: datetimeoffset(7) null\n"),
        "{s}"
    );
    assert!(
        s.contains("1 difference (0 added, 1 dropped, 0 changed)"),
        "{s}"
    );
    let o = xtask(&[
        "schema",
        "diff",
        old.to_str().expect("utf-8"),
        old.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("0 differences"));
}

#[test]
fn check_fails_on_a_stale_snapshot_and_says_how_to_refresh() {
    let dir = scratch("check");
    let snap = dir.join("quarry.schema");
    let text = std::fs::read_to_string(root().join("quarry.schema")).expect("committed");
    std::fs::write(&snap, &text).expect("write");
    let o = xtask(&[
        "schema",
        "check",
        "--ddl",
        "tests/schema",
        "--snapshot",
        snap.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("is up to date"));
    std::fs::write(&snap, text.replace("nvarchar(50)", "nvarchar(60)")).expect("write");
    let o = xtask(&[
        "schema",
        "check",
        "--ddl",
        "tests/schema",
        "--snapshot",
        snap.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let s = stdout(&o);
    assert!(
        s.contains("~ column dbo.users.username: type changed from nvarchar(60) to nvarchar(50)"),
        "{s}"
    );
    assert!(s.contains("is stale"), "{s}");
    assert!(
        s.contains("cargo xtask schema refresh --ddl tests/schema --out"),
        "{s}"
    );
}

#[test]
fn usage_errors_exit_2_with_the_usage() {
    for args in [
        &["schema", "refresh"][..],
        &["schema", "refresh", "--ddl"],
        &["schema", "refresh", "--ddl", "x", "--url", "y"],
        &["schema", "diff", "only-one"],
        &["schema", "frobnicate"],
        &["nope"],
    ] {
        let o = xtask(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&o).contains("usage: cargo xtask schema"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
    let o = xtask(&["schema", "diff", "missing.schema", "quarry.schema"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read schema snapshot `missing.schema`"));
}
