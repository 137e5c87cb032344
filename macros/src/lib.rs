//! Quarry's procedural macros: thin entry points into `quarry-compiler`,
//! which holds the whole pipeline (see its `ARCHITECTURE.md`).
//!
#![doc = include_str!("../../compiler/GRAMMAR.md")]

use proc_macro::TokenStream;

/// Compiles a DSL query against the schema snapshot into a static,
/// parameterised T-SQL statement and a typed result (a generated struct).
///
/// ```ignore
/// let rows = quarry::query!(select users { id, username } where id == $id)
///     .fetch_all(&mut conn)
///     .await?;
/// ```
#[proc_macro]
pub fn query(input: TokenStream) -> TokenStream {
    quarry_compiler::query(input.into()).into()
}

/// Like [`query!`], but decodes each row into the caller's struct, checked
/// field by field: `query_as!(User, select users { id, username })`.
#[proc_macro]
pub fn query_as(input: TokenStream) -> TokenStream {
    quarry_compiler::query_as(input.into()).into()
}
