//! `bulk_row!`: implements the runtime's `BulkRow` for a user's struct,
//! checked against the snapshot like a `query!` insert.
//!
//! ```text
//! bulk_row!(Sale => staging.sales_tmp { product_id, qty, sale_dt, code: store_code })
//! ```
//!
//! The table is resolved like a `query!` table (`dbo` when no schema is
//! written, case-insensitive, closest names suggested), and must be a base
//! table. Each field names the column of the same name, or `field: column`.
//! Refused, each on the user's token: an unknown column, a column listed
//! twice, a column the server generates (identity, computed, rowversion,
//! temporal period), a column whose type Quarry cannot bind, and a field list
//! that leaves out a required column (NOT NULL, no default, not generated:
//! the same rule as `insert`).
//!
//! The expansion is a plain `impl ::quarry::bulk::BulkRow` whose `TABLE` and
//! `COLUMNS` are the snapshot's bracket-quoted names and whose `to_row`
//! converts each field through `::quarry::__private::bulk_value::<K, _>`,
//! `K` the column's SQL type family (`kind::Nullable<K>` for a NULL-able
//! column), spanned on the field: a field of the wrong Rust type is a rustc
//! error on that field, with `Encode`'s message.

use std::collections::HashMap;
use std::collections::HashSet;
use std::path::Path;

use proc_macro2::{Ident, Span, TokenStream};
use quarry_schema::model::{Column, Schema, Table, TableKind};
use quote::{quote, quote_spanned};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{GenericArgument, PathArguments, Token, braced};

use crate::check::{generated_why, list_columns, missing_required, rust_kind, table_column};
use crate::diag::Diagnostics;
use crate::expand::field_ident;
use crate::lower::{quote_ident, quote_table};
use crate::resolve::Resolver;
use crate::source;
use crate::syntax::TableName;

/// A parsed `bulk_row!(Type => [schema.]table { field[: column], .. })`.
pub struct BulkInput {
    /// The row type's path.
    pub ty: syn::Path,
    /// The target table.
    pub table: TableName,
    /// The span of the `{ .. }` field list.
    pub fields_span: Span,
    /// The fields, in column order.
    pub fields: Vec<FieldSpec>,
}

impl std::fmt::Debug for BulkInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ty = &self.ty;
        f.debug_struct("BulkInput")
            .field("ty", &quote!(#ty).to_string())
            .field("table", &self.table)
            .field("fields", &self.fields)
            .finish_non_exhaustive()
    }
}

/// One `field` or `field: column` of the list.
#[derive(Debug, Clone)]
pub struct FieldSpec {
    /// The struct field.
    pub field: Ident,
    /// The column, when it is not named like the field.
    pub column: Option<Ident>,
}

impl FieldSpec {
    /// The token naming the column: the column when written, else the field.
    pub fn column_token(&self) -> &Ident {
        self.column.as_ref().unwrap_or(&self.field)
    }
}

/// A field checked against its column.
#[derive(Debug, Clone)]
pub struct BulkColumn<'s> {
    /// The field as the expansion accesses it (`r#` for keywords).
    pub field: Ident,
    /// The snapshot column it is written to.
    pub column: &'s Column,
}

/// The checked input: the table and one column per field, in order.
#[derive(Debug, Clone)]
pub struct Checked<'s> {
    /// The target table.
    pub table: &'s Table,
    /// The columns, in the order `to_row` pushes them.
    pub columns: Vec<BulkColumn<'s>>,
}

const USAGE: &str = "expected `bulk_row!(Type => schema.table { field, other_field: column, .. })`";

/// Parses the macro input.
pub fn parse(input: TokenStream) -> syn::Result<BulkInput> {
    Parser::parse2(parse_input, input)
}

fn parse_input(input: ParseStream) -> syn::Result<BulkInput> {
    if input.is_empty() {
        return Err(input.error(USAGE));
    }
    let ty: syn::Path = input
        .parse()
        .map_err(|e| syn::Error::new(e.span(), format!("{e}; {USAGE}")))?;
    if !input.peek(Token![=>]) {
        return Err(input.error(format!(
            "expected `=>` after the row type, then the table; {USAGE}"
        )));
    }
    input.parse::<Token![=>]>()?;
    let first = Ident::parse_any(input).map_err(|e| {
        syn::Error::new(
            e.span(),
            format!("expected the table name after `=>`; {USAGE}"),
        )
    })?;
    let table = if input.peek(Token![.]) {
        input.parse::<Token![.]>()?;
        let name = Ident::parse_any(input)
            .map_err(|e| syn::Error::new(e.span(), "expected the table name after `schema.`"))?;
        TableName {
            schema: Some(first),
            name,
        }
    } else {
        TableName {
            schema: None,
            name: first,
        }
    };
    if !input.peek(syn::token::Brace) {
        return Err(input.error(format!(
            "expected `{{ field, .. }}` after the table: the fields to load, in order; {USAGE}"
        )));
    }
    let content;
    let brace = braced!(content in input);
    let list = Punctuated::<FieldSpec, Token![,]>::parse_terminated_with(&content, parse_field)?;
    if !input.is_empty() {
        return Err(input.error(format!("unexpected tokens after the field list; {USAGE}")));
    }
    Ok(BulkInput {
        ty,
        table,
        fields_span: brace.span.join(),
        fields: list.into_iter().collect(),
    })
}

fn parse_field(input: ParseStream) -> syn::Result<FieldSpec> {
    let field = Ident::parse_any(input)
        .map_err(|e| syn::Error::new(e.span(), "expected a field name, or `field: column`"))?;
    let column = if input.peek(Token![:]) {
        input.parse::<Token![:]>()?;
        Some(
            Ident::parse_any(input)
                .map_err(|e| syn::Error::new(e.span(), "expected a column name after `:`"))?,
        )
    } else {
        None
    };
    Ok(FieldSpec { field, column })
}

/// Checks the input against `schema`, reporting every mistake into `diag`.
/// Returns the checked columns when the table was found.
pub fn check<'s>(
    input: &BulkInput,
    schema: &'s Schema,
    diag: &mut Diagnostics,
) -> Option<Checked<'s>> {
    let table = Resolver::new(schema, false, HashSet::new()).table(diag, &input.table)?;
    if table.kind == TableKind::View {
        diag.error(
            input.table.span(),
            format!(
                "`{}` is a view; bulk load writes only to base tables: name the table behind it",
                table.name
            ),
        );
        return None;
    }
    if input.fields.is_empty() {
        diag.error(
            input.fields_span,
            format!(
                "list the fields to load into `{}`, e.g. `{{ {} }}`",
                table.name,
                example_columns(table)
            ),
        );
        return None;
    }
    let mut columns = Vec::new();
    let mut seen: HashMap<String, &Ident> = HashMap::new();
    let mut unknown = 0usize;
    for spec in &input.fields {
        let token = spec.column_token();
        let Some(col) = table_column(diag, table, token) else {
            unknown += 1;
            continue;
        };
        if let Some(first) = seen.get(&col.name.to_lowercase()) {
            diag.error(
                token.span(),
                format!(
                    "column `{}` is listed twice (first for field `{first}`); each column takes one field",
                    col.name
                ),
            );
            continue;
        }
        seen.insert(col.name.to_lowercase(), &spec.field);
        if let Some(why) = generated_why(col) {
            diag.error(
                token.span(),
                format!("cannot bulk load `{}`: it is {why}; remove it", col.name),
            );
            continue;
        }
        if rust_kind(&col.ty) == "Unsupported" {
            diag.error(
                token.span(),
                format!(
                    "column `{}` is {}, which Quarry cannot bind; leave it out (it gets NULL or its default)",
                    col.name, col.ty
                ),
            );
            continue;
        }
        let raw = spec.field.to_string();
        let Some(field) = field_ident(raw.trim_start_matches("r#"), spec.field.span()) else {
            diag.error(
                spec.field.span(),
                format!("`{raw}` cannot be a field name; write `field: {raw}`"),
            );
            continue;
        };
        columns.push(BulkColumn { field, column: col });
    }
    // After an unknown column (likely a misspelt required one) the list is
    // checked for completeness once the names are fixed.
    let listed: Vec<String> = seen.into_keys().collect();
    let missing = missing_required(table, &listed);
    if let Some(first) = missing.first()
        && unknown == 0
    {
        diag.error(
            input.table.span(),
            format!(
                "bulk load into `{}` is missing required column(s) {}: NOT NULL without a default; add a field for each, e.g. `{{ .., {} }}` (or `{{ .., field: {} }}`)",
                table.name,
                list_columns(&missing),
                first.name,
                first.name
            ),
        );
    }
    Some(Checked { table, columns })
}

fn example_columns(t: &Table) -> String {
    let cols: Vec<&str> = t
        .columns
        .iter()
        .filter(|c| !c.is_generated())
        .take(3)
        .map(|c| c.name.as_str())
        .collect();
    cols.join(", ")
}

/// `impl<'a, ..>` generics for the row type: lifetimes only, since
/// `BulkRow` is implemented for one concrete type.
fn impl_generics(ty: &syn::Path) -> syn::Result<TokenStream> {
    let mut lifetimes = Vec::new();
    let last = ty.segments.len().saturating_sub(1);
    for (i, seg) in ty.segments.iter().enumerate() {
        match &seg.arguments {
            PathArguments::None => {}
            PathArguments::AngleBracketed(args) if i == last => {
                for arg in &args.args {
                    match arg {
                        GenericArgument::Lifetime(l) if l.ident != "_" && l.ident != "static" => {
                            lifetimes.push(l.clone());
                        }
                        GenericArgument::Lifetime(_) => {}
                        other => {
                            return Err(syn::Error::new(
                                other.span(),
                                "bulk_row! implements `BulkRow` for one concrete type: name it without type or const parameters (lifetime parameters are fine)",
                            ));
                        }
                    }
                }
            }
            other => {
                return Err(syn::Error::new(
                    other.span(),
                    "expected the row type's path (`Sale` or `crate::rows::Sale`)",
                ));
            }
        }
    }
    Ok(if lifetimes.is_empty() {
        TokenStream::new()
    } else {
        quote!(<#(#lifetimes),*>)
    })
}

/// Expands checked input into the `impl BulkRow`.
pub fn expand(
    input: &BulkInput,
    checked: &Checked,
    generics: &TokenStream,
    snapshot: Option<&Path>,
) -> TokenStream {
    let ty = &input.ty;
    let table = quote_table(&checked.table.name);
    let names = checked.columns.iter().map(|c| quote_ident(&c.column.name));
    let n = checked.columns.len();
    let pushes = checked.columns.iter().map(|c| {
        let span = c.field.span();
        let k = Ident::new(rust_kind(&c.column.ty), span);
        let k = if c.column.nullable {
            quote_spanned!(span=> ::quarry::kind::Nullable<::quarry::kind::#k>)
        } else {
            quote_spanned!(span=> ::quarry::kind::#k)
        };
        let field = &c.field;
        let value = quote_spanned!(span=> ::quarry::__private::bulk_value::<#k, _>(&self.#field));
        quote!(__row.push(#value);)
    });
    let include = source::dependency(snapshot);
    quote! {
        #include
        impl #generics ::quarry::bulk::BulkRow for #ty {
            const TABLE: &'static str = #table;
            const COLUMNS: &'static [&'static str] = &[#(#names),*];
            fn to_row(&self) -> ::quarry::__private::TokenRow<'_> {
                let mut __row = ::quarry::__private::TokenRow::with_capacity(#n);
                #(#pushes)*
                __row
            }
        }
    }
}

/// The fallback after errors: the errors, plus an `impl BulkRow` that never
/// runs, so uses of the type (`bulk_insert(&rows)`) do not add errors of
/// their own.
fn stub(
    errors: syn::Error,
    ty: &syn::Path,
    generics: &TokenStream,
    snapshot: Option<&Path>,
) -> TokenStream {
    let errors = errors.into_compile_error();
    let include = source::dependency(snapshot);
    quote! {
        #errors
        #include
        impl #generics ::quarry::bulk::BulkRow for #ty {
            const TABLE: &'static str = "";
            const COLUMNS: &'static [&'static str] = &[];
            fn to_row(&self) -> ::quarry::__private::TokenRow<'_> {
                ::core::unreachable!("this bulk_row! did not compile")
            }
        }
    }
}

/// Expands `bulk_row!` against a given schema; `snapshot` is the file cargo
/// should watch. Errors become `compile_error!`s plus a stub impl.
pub fn expand_with(input: TokenStream, schema: &Schema, snapshot: Option<&Path>) -> TokenStream {
    let input = match parse(input) {
        Ok(i) => i,
        Err(e) => return e.into_compile_error(),
    };
    let generics = match impl_generics(&input.ty) {
        Ok(g) => g,
        Err(e) => return e.into_compile_error(),
    };
    let mut diag = Diagnostics::new();
    let checked = check(&input, schema, &mut diag);
    match (diag.combine(), checked) {
        (None, Some(c)) => expand(&input, &c, &generics, snapshot),
        (Some(e), _) => stub(e, &input.ty, &generics, snapshot),
        (None, None) => stub(
            syn::Error::new(input.table.span(), "bulk_row! could not be checked"),
            &input.ty,
            &generics,
            snapshot,
        ),
    }
}

/// The `bulk_row!` macro: finds the snapshot and expands.
pub fn bulk_row(input: TokenStream) -> TokenStream {
    match source::current() {
        Ok((path, schema)) => {
            let watch = source::first_use_in_crate(&path).then_some(path.as_path());
            expand_with(input, &schema, watch)
        }
        Err(e) => {
            let err = syn::Error::new(Span::call_site(), e);
            match parse(input) {
                Ok(i) => match impl_generics(&i.ty) {
                    Ok(g) => stub(err, &i.ty, &g, None),
                    Err(_) => err.into_compile_error(),
                },
                Err(_) => err.into_compile_error(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::tests::schema;
    use quarry_schema::model::{Computed, QualifiedName, SqlType};

    fn checked(ts: TokenStream, s: &Schema) -> (Option<Vec<String>>, Vec<String>) {
        let input = parse(ts).expect("parses");
        let mut d = Diagnostics::new();
        let c = check(&input, s, &mut d);
        let cols = c.map(|c| c.columns.iter().map(|b| b.column.name.clone()).collect());
        (cols, d.messages())
    }

    fn errors(ts: TokenStream) -> Vec<String> {
        let (_, msgs) = checked(ts, &schema());
        msgs
    }

    /// The examples in GRAMMAR.md's `bulk_row!` section parse.
    #[test]
    fn grammar_examples_parse() {
        let doc = include_str!("../GRAMMAR.md");
        let section = doc.split("## bulk_row!").nth(1).unwrap_or_default();
        let mut count = 0;
        for line in section.lines() {
            let Some(body) = line.strip_prefix("bulk_row!(") else {
                continue;
            };
            let body = body.strip_suffix(')').expect("one invocation per line");
            let ts: TokenStream = body.parse().expect("tokens");
            if let Err(e) = parse(ts) {
                panic!("GRAMMAR.md example does not parse: {body}\n{e}");
            }
            count += 1;
        }
        assert_eq!(count, 2);
    }

    #[test]
    fn parses_paths_tables_and_renames() {
        let i = parse(quote!(crate::rows::Sale => staging.sales_tmp { product_id, n: qty, }))
            .expect("parses");
        assert_eq!(i.ty.segments.len(), 3);
        assert_eq!(
            i.table.schema.as_ref().map(ToString::to_string).as_deref(),
            Some("staging")
        );
        assert_eq!(i.table.name.to_string(), "sales_tmp");
        assert_eq!(i.fields.len(), 2);
        assert_eq!(i.fields[1].field.to_string(), "n");
        assert_eq!(i.fields[1].column_token().to_string(), "qty");
        assert_eq!(i.fields[0].column_token().to_string(), "product_id");
    }

    #[test]
    fn parse_errors_say_what_was_expected() {
        let e = parse(quote!(Sale staging.sales_tmp { a })).expect_err("no arrow");
        assert!(e.to_string().contains("expected `=>`"), "{e}");
        let e = parse(quote!(Sale => users)).expect_err("no fields");
        assert!(e.to_string().contains("{ field, .. }"), "{e}");
        let e = parse(quote!(Sale => users { a } extra)).expect_err("trailing");
        assert!(e.to_string().contains("unexpected tokens"), "{e}");
        let e = parse(quote!(Sale => users { a: 1 })).expect_err("literal column");
        assert!(e.to_string().contains("column name"), "{e}");
        assert!(parse(TokenStream::new()).is_err());
    }

    #[test]
    fn resolves_dbo_by_default_case_insensitively_in_field_order() {
        let (cols, msgs) = checked(
            quote!(User => Users { full: FullName, username, email }),
            &schema(),
        );
        assert!(msgs.is_empty(), "{msgs:?}");
        assert_eq!(
            cols.expect("checked"),
            vec!["fullname", "username", "email"]
        );
    }

    #[test]
    fn unknown_table_and_column_suggest_names() {
        let e = errors(quote!(User => userz { username, fullname }));
        assert!(
            e[0].contains("no table or view `userz`") && e[0].contains("did you mean `users`"),
            "{e:?}"
        );
        let e = errors(quote!(User => users { usrname, fullname }));
        // One error: the misspelt column is not reported missing as well.
        assert_eq!(
            e,
            vec!["no column `usrname` in `dbo.users`; did you mean `username`?"]
        );
    }

    #[test]
    fn duplicate_generated_and_missing_columns_are_refused() {
        let e = errors(quote!(User => users { username, name: USERNAME, fullname }));
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].contains("`username` is listed twice (first for field `username`)"),
            "{e:?}"
        );

        let e = errors(quote!(User => users { id, username, fullname }));
        assert_eq!(
            e,
            vec![
                "cannot bulk load `id`: it is an identity column: SQL Server generates its value; remove it"
            ]
        );

        let e = errors(quote!(A => accounts { balance, row_version }));
        assert!(e[0].contains("rowversion column"), "{e:?}");

        let e = errors(quote!(O => orders { total }));
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].starts_with(
                "bulk load into `dbo.orders` is missing required column(s) `user_id` (int):"
            ),
            "{e:?}"
        );
        // Nullable and defaulted columns may be left out.
        assert!(errors(quote!(O => orders { user_id, total })).is_empty());
    }

    #[test]
    fn computed_views_and_unsupported_types_are_refused() {
        let mut s = schema();
        let mut tables: Vec<Table> = s.tables().to_vec();
        let mut prices = Table::new(QualifiedName::new("dbo", "prices"));
        prices.columns = vec![Column::new("net", SqlType::Int, false), {
            let mut c = Column::new("gross", SqlType::Int, true);
            c.computed = Some(Computed {
                expr: "([net]*(2))".into(),
                persisted: false,
            });
            c
        }];
        let mut view = Table::new(QualifiedName::new("dbo", "v_prices"));
        view.kind = TableKind::View;
        view.columns = vec![Column::new("net", SqlType::Int, false)];
        tables.push(prices);
        tables.push(view);
        s = Schema::new(vec![], vec![], tables).expect("valid schema");

        let (_, e) = checked(quote!(P => prices { net, gross }), &s);
        assert_eq!(
            e,
            vec![
                "cannot bulk load `gross`: it is a computed column: SQL Server computes it; remove it"
            ]
        );
        let (cols, e) = checked(quote!(P => v_prices { net }), &s);
        assert!(cols.is_none());
        assert!(
            e[0].contains("is a view; bulk load writes only to base tables"),
            "{e:?}"
        );
        let (_, e) = checked(quote!(O => org { node }), &s);
        assert!(e[0].contains("which Quarry cannot bind"), "{e:?}");
        let (_, e) = checked(quote!(P => prices {}), &s);
        assert!(e[0].contains("list the fields"), "{e:?}");
    }

    #[test]
    fn expansion_names_quoted_columns_and_kinds() {
        let s = schema();
        let input = parse(quote!(Order<'a> => dbo.orders { user_id, sum: total, r#type: note }))
            .expect("parses");
        let mut d = Diagnostics::new();
        let c = check(&input, &s, &mut d).expect("checked");
        assert!(d.is_empty(), "{:?}", d.messages());
        let g = impl_generics(&input.ty).expect("lifetimes only");
        let out = expand(&input, &c, &g, Some(Path::new("/x/quarry.schema"))).to_string();
        assert!(
            out.contains("const TABLE : & 'static str = \"[dbo].[orders]\""),
            "{out}"
        );
        assert!(
            out.contains("& [\"[user_id]\" , \"[total]\" , \"[note]\"]"),
            "{out}"
        );
        assert!(
            out.contains("impl < 'a > :: quarry :: bulk :: BulkRow for Order < 'a >"),
            "{out}"
        );
        assert!(
            out.contains("bulk_value :: < :: quarry :: kind :: Int , _ > (& self . user_id)"),
            "{out}"
        );
        assert!(
            out.contains("bulk_value :: < :: quarry :: kind :: Decimal , _ > (& self . sum)"),
            "{out}"
        );
        assert!(
            out.contains("bulk_value :: < :: quarry :: kind :: Nullable < :: quarry :: kind :: Text > , _ > (& self . r#type)"),
            "{out}"
        );
        assert!(
            out.contains("include_bytes ! (\"/x/quarry.schema\")"),
            "{out}"
        );
    }

    #[test]
    fn errors_expand_to_a_stub_impl() {
        let out = expand_with(quote!(User => users { nope }), &schema(), None).to_string();
        assert!(out.contains("compile_error"), "{out}");
        assert!(
            out.contains("impl :: quarry :: bulk :: BulkRow for User"),
            "{out}"
        );
        assert!(out.contains("unreachable"), "{out}");
        let out = expand_with(quote!(Vec<T> => users { username }), &schema(), None).to_string();
        assert!(
            out.contains("one concrete type") && !out.contains(":: bulk ::"),
            "{out}"
        );
    }
}
