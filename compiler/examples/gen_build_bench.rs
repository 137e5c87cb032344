//! Generates the build-time benchmark: a cargo workspace with two crates of
//! 500 statements each over the repository's `quarry.schema`, one written
//! with `query!` and one with the same T-SQL as plain string constants.
//!
//! ```text
//! cargo run -p quarry-compiler --example gen_build_bench -- /tmp/quarry-build-bench
//! cd /tmp/quarry-build-bench
//! export CARGO_INCREMENTAL=0                       # see below
//! cargo build -p strings_500 -p quarry_500         # warm: builds the shared dependencies
//! touch strings_500/src/lib.rs && time cargo build -p strings_500
//! touch quarry_500/src/lib.rs  && time cargo build -p quarry_500
//! ```
//!
//! The difference of the two timed builds, divided by 500, is the cost of one
//! `query!` (take the best of several runs). Use `cargo check` the same way for
//! the check-time figure. Without `CARGO_INCREMENTAL=0` a `touch` replays
//! rustc's incremental cache and measures far less than a real edit costs.
//! The generated workspace builds proc macros with `opt-level = 3`
//! (`[profile.dev.build-override]`), as the figures in `ARCHITECTURE.md` are.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use proc_macro2::TokenStream;

const N: usize = 500;

/// Query shapes from the booklet, all using the same function parameters.
const SHAPES: &[&str] = &[
    "select users { id, username, created_at } where username != $name && created_at >= $since order by created_at desc limit 5",
    "select users join orders { users.username, orders.id as order_id, orders.total } where orders.total > $min",
    "select users left join orders { users.username, orders.id as order_id }",
    "select users join orders { users.username, count(orders.id) as order_count, sum(orders.total) as total_spent } group by users.username having sum(orders.total) > 500",
    "select orders where user_id == $user_id? && created_at >= $since_opt? order by created_at desc offset $skip limit 20",
    "insert users { username: $name, fullname: $name } returning id",
    "update orders set { total: total * (1 - $d) } where total > $min",
    "upsert users on username { username: $name, fullname: $name }",
    "select users where id == $id for update nowait",
    "delete top (1000) logs where logged_at < $since",
    "select employees e left join employees m on e.manager_id == m.id { e.name, m.name as manager }",
    "select users { id, username } where id in $ids",
];

const SIGNATURE: &str = "name: &str, since: NaiveDateTime, min: Decimal, user_id: Option<i32>, \
                         since_opt: Option<NaiveDateTime>, skip: i64, d: Decimal, id: i32, ids: &[i32]";

fn main() {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "target/quarry-build-bench".into()),
    );
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let repo = repo.canonicalize().unwrap_or(repo);
    let schema_path = repo.join("quarry.schema");
    let schema = match quarry_schema::snapshot::load(&schema_path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let mut queries = String::new();
    let mut strings = String::new();
    let header = "#![allow(unused_variables, clippy::too_many_arguments)]\nuse quarry::types::{Decimal, NaiveDateTime};\n\n";
    queries.push_str(header);
    strings.push_str(header);
    for i in 0..N {
        let shape = SHAPES[i % SHAPES.len()];
        let dsl = format!("q{i}: {shape}");
        let compiled = match quarry_compiler::compile(
            TokenStream::from_str(&dsl).unwrap_or_default(),
            &schema,
        ) {
            Ok(c) => c,
            Err(d) => {
                eprintln!("{dsl}: {:?}", d.messages());
                std::process::exit(1);
            }
        };
        let sql = format!("/* quarry: bench::q{i} */\n{}", compiled.variants[0].sql);
        let _ = writeln!(
            queries,
            "pub fn q{i}({SIGNATURE}) -> usize {{\n    let q = quarry::query!({dsl});\n    q.statement().sql.len()\n}}\n"
        );
        let _ = writeln!(
            strings,
            "pub const Q{i}: &str = {sql:?};\npub fn q{i}({SIGNATURE}) -> usize {{\n    let params: [&dyn std::fmt::Debug; 3] = [&name, &id, &min];\n    Q{i}.len() + params.len()\n}}\n"
        );
    }
    let quarry_dep = format!("quarry = {{ path = {:?} }}", repo.display().to_string());
    let write = |path: PathBuf, text: &str| {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Err(e) = std::fs::write(&path, text) {
            eprintln!("{}: {e}", path.display());
            std::process::exit(1);
        }
    };
    write(
        out.join("Cargo.toml"),
        "[workspace]\nmembers = [\"quarry_500\", \"strings_500\"]\nresolver = \"3\"\n\n\
         [profile.dev.build-override]\nopt-level = 3\n",
    );
    write(
        out.join(".cargo/config.toml"),
        &format!(
            "[env]\nQUARRY_SCHEMA = {:?}\n",
            schema_path.display().to_string()
        ),
    );
    for (name, text) in [("quarry_500", &queries), ("strings_500", &strings)] {
        write(
            out.join(name).join("Cargo.toml"),
            &format!(
                "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\n[dependencies]\n{quarry_dep}\n"
            ),
        );
        write(out.join(name).join("src/lib.rs"), text);
    }
    println!("wrote {} (2 crates × {N} statements)", out.display());
}
