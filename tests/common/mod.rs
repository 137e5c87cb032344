//! Pinning generated statements with insta, shared by `tests/statements.rs`,
//! `tests/examples_pinned.rs` and `tests/live_macro.rs`: one `.snap` file per
//! statement variant, named `<id with :: as __>_<variant>.snap`, holding
//! [`quarry::Statement::describe`]'s text (the header that
//! `cargo xtask schema describe` reads back, then the SQL), and a check that
//! no snapshot is left behind by a statement that no longer exists.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::Path;

use quarry::Statement;

/// One statement to pin: its snapshot name (without `.snap`) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    /// `<id with :: replaced by __>_<variant>`, e.g. `crud__ex_crud_get_0`.
    pub name: String,
    /// The id as written in the header, e.g. `crud::ex_crud_get`.
    pub id: String,
    /// [`Statement::describe`]'s text.
    pub text: String,
}

/// The snapshot name of statement `id`, variant `variant`.
pub fn snapshot_name(id: &str, variant: u16) -> String {
    format!("{}_{variant}", id.replace("::", "__"))
}

/// The pins of statements registered in this test binary.
pub fn pins_of(statements: &[&'static Statement]) -> Vec<Pin> {
    statements
        .iter()
        .map(|s| Pin {
            name: snapshot_name(s.id, s.variant),
            id: s.id.to_owned(),
            text: s.describe(),
        })
        .collect()
}

/// Splits the output of `quarry::inventory()` (as a program prints it for
/// `--quarry-statements`) back into one pin per statement. A statement
/// starts at a `-- <id> #<variant> (<Kind>)` line followed by a
/// `-- params:` line, at the start or after a blank line; anything before
/// the first statement is an error (the program printed something else).
pub fn parse_inventory(text: &str) -> Result<Vec<Pin>, String> {
    let lines: Vec<&str> = text.lines().collect();
    let starts: Vec<usize> = (0..lines.len())
        .filter(|&i| {
            (i == 0 || lines[i - 1].is_empty())
                && header(lines[i]).is_some()
                && lines
                    .get(i + 1)
                    .is_some_and(|l| l.starts_with("-- params:"))
        })
        .collect();
    if starts.first().copied().unwrap_or(lines.len()) != 0 && !text.trim().is_empty() {
        return Err(format!("not a statement inventory:\n{text}"));
    }
    let mut pins = Vec::new();
    for (k, &start) in starts.iter().enumerate() {
        // The next statement's blank separator line is not part of this one.
        let end = starts.get(k + 1).map_or(lines.len(), |&next| next - 1);
        let (id, variant) = header(lines[start]).ok_or("unreachable: checked above")?;
        pins.push(Pin {
            name: snapshot_name(id, variant),
            id: id.to_owned(),
            text: lines[start..end].join("\n"),
        });
    }
    Ok(pins)
}

/// `-- <id> #<variant> (<Kind>)` → `(id, variant)`.
fn header(line: &str) -> Option<(&str, u16)> {
    let rest = line.strip_prefix("-- ")?;
    let (rest, kind) = rest.rsplit_once(" (")?;
    if !kind.ends_with(')') || kind.len() < 2 {
        return None;
    }
    let (id, variant) = rest.rsplit_once(" #")?;
    Some((id, variant.parse().ok()?)).filter(|(id, _)| !id.is_empty() && !id.contains(' '))
}

/// Fails when `folder` (relative to the workspace root) holds a `.snap` file
/// whose name starts with `prefix` and that is not one of `pins`: the
/// snapshot of a statement that no longer exists.
pub fn assert_no_stale(folder: &str, prefix: &str, pins: &[Pin]) {
    let names: BTreeSet<String> = pins.iter().map(|p| format!("{}.snap", p.name)).collect();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read the snapshot folder {}: {e}", dir.display()));
    let mut stale: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|f| f.starts_with(prefix) && f.ends_with(".snap") && !names.contains(f))
        .collect();
    stale.sort();
    assert!(
        stale.is_empty(),
        "snapshots in {folder}/ of statements that no longer exist (delete them): {stale:?}"
    );
}

/// `pin_statements!("snapshots/examples", "", pins)`: pins every [`Pin`]
/// with insta into `folder` (relative to the workspace root, which is the
/// parent of `tests/`), then [`assert_no_stale`]. A macro so that insta
/// records the calling test file as the snapshots' `source`.
macro_rules! pin_statements {
    ($folder:literal, $prefix:expr, $pins:expr) => {{
        let pins: &[$crate::common::Pin] = &$pins;
        for pin in pins {
            let text = &pin.text;
            insta::with_settings!({
                snapshot_path => concat!("../", $folder),
                prepend_module_to_snapshot => false,
            }, {
                insta::assert_snapshot!(pin.name.as_str(), text);
            });
        }
        $crate::common::assert_no_stale($folder, $prefix, pins);
    }};
}
pub(crate) use pin_statements;
