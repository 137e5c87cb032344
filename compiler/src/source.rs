//! Finding and caching the schema snapshot. The macro finds `quarry.schema`
//! without configuration (env `QUARRY_SCHEMA`, then the crate root, then the
//! parent directories up to the workspace root), parses it once per compiler
//! process, and re-parses only when its modification time changes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use quarry_schema::model::Schema;

/// The snapshot's file name.
pub const FILE_NAME: &str = "quarry.schema";

/// Why no schema could be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError(pub String);

impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where the snapshot is: `QUARRY_SCHEMA` (absolute, or relative to
/// `manifest_dir`), else `manifest_dir/quarry.schema`, else the first
/// `quarry.schema` in a parent directory.
pub fn find(env: Option<&str>, manifest_dir: Option<&Path>) -> Result<PathBuf, SourceError> {
    if let Some(v) = env.filter(|v| !v.is_empty()) {
        let p = PathBuf::from(v);
        let p = match (p.is_absolute(), manifest_dir) {
            (false, Some(dir)) => dir.join(p),
            _ => p,
        };
        return if p.is_file() {
            Ok(p)
        } else {
            Err(SourceError(format!(
                "QUARRY_SCHEMA points at `{}`, which is not a file; generate it with `cargo xtask schema refresh` or fix the variable",
                p.display()
            )))
        };
    }
    let Some(dir) = manifest_dir else {
        return Err(SourceError(
            "cannot find the schema snapshot: CARGO_MANIFEST_DIR is not set; set QUARRY_SCHEMA to the snapshot's path".into(),
        ));
    };
    let mut cur = Some(dir);
    while let Some(d) = cur {
        let p = d.join(FILE_NAME);
        if p.is_file() {
            return Ok(p);
        }
        cur = d.parent();
    }
    Err(SourceError(format!(
        "cannot find `{FILE_NAME}` in `{}` or any parent directory; create it with `cargo xtask schema refresh`, or set QUARRY_SCHEMA",
        dir.display()
    )))
}

type Cache = Mutex<HashMap<PathBuf, (Option<SystemTime>, Arc<Schema>)>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Loads the snapshot at `path`, from the per-process cache when its
/// modification time has not changed.
pub fn load(path: &Path) -> Result<Arc<Schema>, SourceError> {
    let mtime = std::fs::metadata(path).and_then(|m| m.modified()).ok();
    if let Ok(map) = cache().lock()
        && let Some((t, s)) = map.get(path)
        && *t == mtime
        && mtime.is_some()
    {
        return Ok(Arc::clone(s));
    }
    let schema =
        Arc::new(quarry_schema::snapshot::load(path).map_err(|e| SourceError(e.to_string()))?);
    if let Ok(mut map) = cache().lock() {
        map.insert(path.to_path_buf(), (mtime, Arc::clone(&schema)));
    }
    Ok(schema)
}

/// True the first time it is called for `path` in the crate being compiled
/// (by `CARGO_CRATE_NAME`) in this process. The expansion emits
/// `include_bytes!` of the snapshot only then: one is enough for cargo to
/// rebuild the crate when the file changes, and every further copy would be
/// compile time spent for nothing.
pub fn first_use_in_crate(path: &Path) -> bool {
    static SEEN: OnceLock<Mutex<std::collections::HashSet<(String, PathBuf)>>> = OnceLock::new();
    let krate = std::env::var("CARGO_CRATE_NAME").unwrap_or_default();
    let seen = SEEN.get_or_init(|| Mutex::new(std::collections::HashSet::new()));
    match seen.lock() {
        Ok(mut set) => set.insert((krate, path.to_path_buf())),
        Err(_) => true,
    }
}

/// The item that makes cargo rebuild the crate when the snapshot changes:
/// `const _: &[u8] = include_bytes!("/abs/path/quarry.schema");`, or nothing
/// when `path` is `None` (see [`first_use_in_crate`]) or not UTF-8.
pub fn dependency(path: Option<&Path>) -> proc_macro2::TokenStream {
    match path.and_then(|p| p.to_str()) {
        Some(p) => quote::quote!(
            const _: &[u8] = ::core::include_bytes!(#p);
        ),
        None => proc_macro2::TokenStream::new(),
    }
}

/// Finds and loads the snapshot for the crate being compiled.
pub fn current() -> Result<(PathBuf, Arc<Schema>), SourceError> {
    let env = std::env::var("QUARRY_SCHEMA").ok();
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    let path = find(env.as_deref(), manifest.as_deref())?;
    let path = path.canonicalize().unwrap_or(path);
    let schema = load(&path)?;
    Ok((path, schema))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("quarry-source-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("a/b")).expect("temp dir");
        d
    }

    #[test]
    fn finds_in_parent_and_env() {
        let d = temp_dir("find");
        std::fs::write(d.join(FILE_NAME), "x").expect("write");
        let nested = d.join("a/b");
        assert_eq!(find(None, Some(&nested)).expect("found"), d.join(FILE_NAME));
        std::fs::write(nested.join("other.schema"), "x").expect("write");
        assert_eq!(
            find(Some("other.schema"), Some(&nested)).expect("env"),
            nested.join("other.schema")
        );
        let e = find(Some("missing.schema"), Some(&nested)).expect_err("missing");
        assert!(e.0.contains("QUARRY_SCHEMA"), "{e}");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn malformed_snapshot_names_file_and_line() {
        let d = temp_dir("bad");
        let p = d.join(FILE_NAME);
        std::fs::write(&p, "not a snapshot\n").expect("write");
        let e = load(&p).expect_err("malformed");
        assert!(e.0.contains(&p.display().to_string()), "{e}");
        assert!(e.0.contains(":1:"), "{e}");
        let _ = std::fs::remove_dir_all(&d);
    }
}
