//! Prints the Rust code one `query!` expands to, for reviewing the
//! expansion's size: `cargo run -p quarry-compiler --example show_expansion -- 'select users { id } where id == $id'`.

use std::str::FromStr;

fn main() {
    let dsl = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "select users { id, username } where id == $id".into());
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../quarry.schema");
    let schema = match quarry_schema::snapshot::load(&path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let tokens = proc_macro2::TokenStream::from_str(&dsl).unwrap_or_default();
    let out = quarry_compiler::expand_with(
        tokens,
        &schema,
        Some(&path),
        &quarry_compiler::Target::Generated,
    );
    match syn::parse2::<syn::Expr>(out.clone()) {
        Ok(e) => println!("{}", quote::ToTokens::to_token_stream(&e)),
        Err(_) => println!("{out}"),
    }
}
