//! Quarry's query compiler: the pipeline behind `query!`, `query_as!` and
//! `bulk_row!`, as a normal library so tests, benches and fuzzers can call it.
//!
#![doc = include_str!("../ARCHITECTURE.md")]
//!
#![doc = include_str!("../GRAMMAR.md")]
#![warn(missing_docs)]

pub mod bulk;
pub mod check;
pub mod diag;
pub mod expand;
pub mod ir;
pub mod lower;
pub mod resolve;
pub mod source;
pub mod syntax;

use std::path::Path;

use proc_macro2::{Span, TokenStream, TokenTree};
use quarry_schema::model::Schema;

pub use diag::Diagnostics;
pub use expand::Target;

/// The result of compiling one query: its AST, the checked IR and one
/// lowered T-SQL text per variant.
#[derive(Debug)]
pub struct Compiled {
    /// The parsed query.
    pub query: syntax::Query,
    /// The checked IR.
    pub checked: ir::Checked,
    /// The static statements, one per optional-filter variant.
    pub variants: Vec<lower::Lowered>,
}

/// Runs syntax → resolve → check → lower against `schema`. On failure
/// returns every error found (not just the first).
pub fn compile(input: TokenStream, schema: &Schema) -> Result<Compiled, Diagnostics> {
    let mut diag = Diagnostics::new();
    let query = match syntax::parse(input) {
        Ok(q) => q,
        Err(e) => {
            diag.push(e);
            return Err(diag);
        }
    };
    let checked = check::check(&query, schema, &mut diag);
    if !diag.is_empty() {
        return Err(diag);
    }
    let variants = lower::lower(&checked);
    Ok(Compiled {
        query,
        checked,
        variants,
    })
}

/// Expands a query against a given schema; `snapshot` is the file cargo
/// should watch. Errors become `compile_error!` plus a typed stub.
pub fn expand_with(
    input: TokenStream,
    schema: &Schema,
    snapshot: Option<&Path>,
    target: &Target,
) -> TokenStream {
    let mut diag = Diagnostics::new();
    let query = match syntax::parse(input) {
        Ok(q) => q,
        Err(e) => {
            let inp = expand::Input {
                name: None,
                target,
                snapshot,
            };
            return expand::stub(e, &[], &inp);
        }
    };
    let checked = check::check(&query, schema, &mut diag);
    let inp = expand::Input {
        name: query.name.as_ref(),
        target,
        snapshot,
    };
    if let Some(e) = diag.combine() {
        return expand::stub(e, &checked.columns, &inp);
    }
    let mut diag = Diagnostics::new();
    let variants = lower::lower(&checked);
    let out = expand::expand(&checked, &variants, &inp, &mut diag);
    match diag.combine() {
        Some(e) => expand::stub(e, &checked.columns, &inp),
        None => out,
    }
}

/// The `query!` macro: finds the snapshot and expands.
pub fn query(input: TokenStream) -> TokenStream {
    with_schema(input, &Target::Generated)
}

/// The `query_as!(Type, ..)` macro.
pub fn query_as(input: TokenStream) -> TokenStream {
    let mut path = TokenStream::new();
    let mut rest = TokenStream::new();
    let mut seen_comma = false;
    for t in input {
        match &t {
            TokenTree::Punct(p) if p.as_char() == ',' && !seen_comma => seen_comma = true,
            _ if seen_comma => rest.extend([t]),
            _ => path.extend([t]),
        }
    }
    if !seen_comma || path.is_empty() {
        let e = syn::Error::new(
            Span::call_site(),
            "expected `query_as!(Type, select ..)`: the row type, a comma, then the query",
        );
        return e.into_compile_error();
    }
    with_schema(rest, &Target::Into(path))
}

/// The `bulk_row!(Type => schema.table { field, .. })` macro: an
/// `impl BulkRow` checked against the snapshot (see [`bulk`]).
pub fn bulk_row(input: TokenStream) -> TokenStream {
    bulk::bulk_row(input)
}

fn with_schema(input: TokenStream, target: &Target) -> TokenStream {
    match source::current() {
        Ok((path, schema)) => {
            let watch = source::first_use_in_crate(&path).then_some(path.as_path());
            expand_with(input, &schema, watch, target)
        }
        Err(e) => {
            let inp = expand::Input {
                name: None,
                target,
                snapshot: None,
            };
            expand::stub(syn::Error::new(Span::call_site(), e), &[], &inp)
        }
    }
}
