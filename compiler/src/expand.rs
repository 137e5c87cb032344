//! Stage 5, `expand`: the Rust tokens a `query!` becomes. One `static`
//! `quarry::Statement` per variant
//! (registered in `quarry::STATEMENTS`), a plain row struct, a non-generic
//! decode function and the argument binds, each spanned on the user's token so
//! rustc's own type errors land there. No SQL is built at run time.

use proc_macro2::{Ident, Span, TokenStream};
use quarry_schema::model::SqlType;
use quote::{format_ident, quote, quote_spanned};

use crate::check::rust_kind;
use crate::diag::Diagnostics;
use crate::ir::{Checked, OutColumn, ParamSource, StmtKind};
use crate::lower::Lowered;

/// How rows are returned.
#[derive(Debug, Clone)]
pub enum Target {
    /// `query!`: a generated struct (named after the statement, or `Record`).
    Generated,
    /// `query_as!(Path, ..)`: the user's struct, filled field by field.
    Into(TokenStream),
}

/// Everything `expand` needs about one invocation.
pub struct Input<'a> {
    /// The statement name, if given.
    pub name: Option<&'a Ident>,
    /// Row target.
    pub target: &'a Target,
    /// The snapshot file, for `include_bytes!` (rebuild on change).
    pub snapshot: Option<&'a std::path::Path>,
}

/// The Rust type a result column decodes into, as tokens.
pub fn rust_type(t: &SqlType) -> TokenStream {
    match t {
        SqlType::Bit => quote!(bool),
        SqlType::TinyInt => quote!(u8),
        SqlType::SmallInt => quote!(i16),
        SqlType::Int => quote!(i32),
        SqlType::BigInt => quote!(i64),
        SqlType::Decimal { .. } | SqlType::Money | SqlType::SmallMoney => {
            quote!(::quarry::types::Decimal)
        }
        SqlType::Real => quote!(f32),
        SqlType::Float => quote!(f64),
        SqlType::Binary(_) | SqlType::VarBinary(_) | SqlType::Image | SqlType::RowVersion => {
            quote!(::std::vec::Vec<u8>)
        }
        SqlType::Date => quote!(::quarry::types::NaiveDate),
        SqlType::Time { .. } => quote!(::quarry::types::NaiveTime),
        SqlType::DateTime | SqlType::SmallDateTime | SqlType::DateTime2 { .. } => {
            quote!(::quarry::types::NaiveDateTime)
        }
        SqlType::DateTimeOffset { .. } => {
            quote!(::quarry::types::DateTime<::quarry::types::FixedOffset>)
        }
        SqlType::UniqueIdentifier => quote!(::quarry::types::Uuid),
        _ => quote!(::std::string::String),
    }
}

fn kind(t: &SqlType, span: Span) -> TokenStream {
    let k = Ident::new(rust_kind(t), span);
    quote_spanned!(span=> ::quarry::kind::#k)
}

/// A field identifier for a column name, raw when it is a keyword; `None`
/// when the name cannot be a Rust identifier.
pub fn field_ident(name: &str, span: Span) -> Option<Ident> {
    let mut chars = name.chars();
    let first = chars.next()?;
    let valid = (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name != "_";
    if !valid || matches!(name, "self" | "Self" | "super" | "crate") {
        return None;
    }
    // Rust's strict and reserved keywords (2024 edition) need `r#`.
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern",
        "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move",
        "mut", "pub", "ref", "return", "static", "struct", "trait", "true", "type", "unsafe",
        "use", "where", "while", "abstract", "become", "box", "do", "final", "macro", "override",
        "priv", "try", "typeof", "unsized", "virtual", "yield",
    ];
    if KEYWORDS.contains(&name) {
        Some(Ident::new_raw(name, span))
    } else {
        Some(Ident::new(name, span))
    }
}

fn struct_name(name: Option<&Ident>) -> Ident {
    let Some(n) = name else {
        return format_ident!("Record");
    };
    let camel: String = n
        .to_string()
        .trim_start_matches("r#")
        .split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect();
    field_ident(&camel, n.span()).unwrap_or_else(|| format_ident!("Record"))
}

fn stmt_kind(k: StmtKind) -> Ident {
    let name = match k {
        StmtKind::Select => "Select",
        StmtKind::Insert => "Insert",
        StmtKind::Update => "Update",
        StmtKind::Delete => "Delete",
        StmtKind::Merge => "Merge",
    };
    Ident::new(name, Span::call_site())
}

/// The registered statics, one `__QUARRY_STATEMENT_<variant>` per variant,
/// each holding its `Statement` (a promoted constant: one item, not a static
/// and a reference to it), plus the columns they share when there are
/// several. The id is `module_path!()` plus a suffix the macro knows; the
/// SQL's leading comment repeats it, and adjacent literals are joined so each
/// `concat!` has as few pieces as possible.
fn statements(checked: &Checked, variants: &[Lowered], name: Option<&Ident>) -> TokenStream {
    let (id, suffix) = match name {
        Some(n) => (
            quote!(::core::module_path!(),),
            format!("::{}", n.to_string().trim_start_matches("r#")),
        ),
        None => (
            quote!(::core::module_path!(), ":L", ::core::line!(),),
            String::new(),
        ),
    };
    let columns = checked.columns.iter().map(|c| {
        let name = &c.name;
        let ty = c.ty.to_string();
        let nullable = c.nullable;
        quote!(::quarry::ResultColumn { name: #name, sql_type: #ty, nullable: #nullable })
    });
    // One statement: its columns are written inline. Several (optional
    // filters): one static array of columns shared by the variants.
    let (mut out, columns) = if variants.len() == 1 {
        (TokenStream::new(), quote!(&[#(#columns),*]))
    } else {
        let n = checked.columns.len();
        (
            quote!(static __QUARRY_COLUMNS: [::quarry::ResultColumn; #n] = [#(#columns),*];),
            quote!(&__QUARRY_COLUMNS),
        )
    };
    let kind = stmt_kind(checked.stmt.kind());
    for v in variants {
        let r = format_ident!("__QUARRY_STATEMENT_{}", v.variant);
        let variant = v.variant;
        let decls = &v.param_decls;
        let args = &v.args;
        let tag = if variants.len() > 1 {
            format!(" #{variant}")
        } else {
            String::new()
        };
        let sql = format!("{suffix}{tag} */\n{}", v.sql);
        out.extend(quote! {
            ::quarry::STATEMENTS! {
                #![linkme_macro = ::quarry::STATEMENTS]
                static #r: &'static ::quarry::Statement = &::quarry::Statement {
                    id: ::core::concat!(#id #suffix),
                    variant: #variant,
                    sql: ::core::concat!("/* quarry: ", #id #sql),
                    param_decls: #decls,
                    args: &[#(#args),*],
                    columns: #columns,
                    kind: ::quarry::StatementKind::#kind,
                    file: ::core::file!(),
                    line: ::core::line!(),
                };
            }
        });
    }
    out
}

/// The `Cells` getter for a column of this type (see
/// `quarry_runtime::decode::Cells`): the kind's name in snake case, with a
/// `nullable_` prefix for a NULL-able column.
fn getter(t: &SqlType, nullable: bool, span: Span) -> Ident {
    let mut name = String::from(if nullable { "nullable_" } else { "" });
    for (i, c) in rust_kind(t).chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                name.push('_');
            }
            name.push(c.to_ascii_lowercase());
        } else {
            name.push(c);
        }
    }
    Ident::new(&name, span)
}

/// The row struct and decode function (shared by the real expansion and the
/// fallback stub). Returns (items, row type).
fn rows(
    columns: &[OutColumn],
    input: &Input,
    diag: &mut Diagnostics,
    stub: bool,
) -> (TokenStream, TokenStream) {
    let sig = quote! {
        fn __quarry_decode(
            __row: &::quarry::__private::Row,
            __stmt: &'static ::quarry::Statement,
        )
    };
    if columns.is_empty() && matches!(input.target, Target::Generated) {
        // No result set: the runtime's decoder, imported, not one more fn.
        let items = quote! {
            use ::quarry::decode::no_columns as __quarry_decode;
        };
        return (items, quote!(()));
    }
    // A generated struct's field types are the getters' types by
    // construction, so it is decoded through `Cells`' concrete getters; a
    // `query_as!` target is checked field by field against the column's kind
    // (`Decode<K>`), spanned on the column so a mismatch is reported there.
    let cells = matches!(input.target, Target::Generated);
    let mut fields = Vec::new();
    let mut decls = Vec::new();
    for (i, c) in columns.iter().enumerate() {
        let Some(f) = field_ident(&c.name, c.span) else {
            diag.error(
                c.span,
                format!(
                    "result column `{}` is not a valid Rust field name; rename it with `as`",
                    c.name
                ),
            );
            continue;
        };
        let getter = if cells {
            let g = getter(&c.ty, c.nullable, c.span);
            quote_spanned!(c.span=> __cells.#g())
        } else {
            let k = kind(&c.ty, c.span);
            if c.nullable {
                quote_spanned!(c.span=> ::quarry::__private::nullable_column::<#k, _>(__row, #i, __stmt)?)
            } else {
                quote_spanned!(c.span=> ::quarry::__private::column::<#k, _>(__row, #i, __stmt)?)
            }
        };
        let ty = rust_type(&c.ty);
        let ty = if c.nullable {
            quote!(::core::option::Option<#ty>)
        } else {
            ty
        };
        decls.push(quote!(pub #f: #ty));
        fields.push(quote_spanned!(c.span=> #f: #getter));
    }
    let (row_ty, struct_def) = match input.target {
        Target::Generated => {
            let name = struct_name(input.name);
            // No derives: each derived impl costs rustc more to check than
            // the rest of the expansion (see ARCHITECTURE.md, "Compile cost").
            // A caller who needs `Debug`, `Clone`, `PartialEq` or `serde`
            // uses `query_as!` into a struct of their own.
            (quote!(#name), quote!(pub struct #name { #(#decls,)* }))
        }
        Target::Into(path) => (path.clone(), TokenStream::new()),
    };
    let body = if stub {
        quote!({
            let _ = (__row, __stmt);
            ::core::unreachable!("this query! did not compile")
        })
    } else if cells {
        quote!({
            let mut __cells = ::quarry::decode::Cells::new(__row, __stmt);
            let __value = #row_ty { #(#fields,)* };
            __cells.finish(__value)
        })
    } else {
        quote!({ ::core::result::Result::Ok(#row_ty { #(#fields,)* }) })
    };
    let items = quote! {
        #struct_def
        #sig -> ::core::result::Result<#row_ty, ::quarry::Error> #body
    };
    (items, row_ty)
}

/// Expands a checked, lowered query into the call-site expression.
pub fn expand(
    checked: &Checked,
    variants: &[Lowered],
    input: &Input,
    diag: &mut Diagnostics,
) -> TokenStream {
    let (row_items, _) = rows(&checked.columns, input, diag, false);
    let statics = statements(checked, variants, input.name);
    let refs: Vec<Ident> = variants
        .iter()
        .map(|v| format_ident!("__QUARRY_STATEMENT_{}", v.variant))
        .collect();
    let chosen = if variants.len() == 1 {
        let r = &refs[0];
        quote!(#r)
    } else {
        let bits = checked.optionals.iter().enumerate().map(|(i, o)| {
            quote_spanned!(o.span()=> ((::core::option::Option::is_some(&#o) as usize) << #i))
        });
        quote!([#(#refs),*][0usize #(| #bits)*])
    };
    let binds: Vec<TokenStream> = checked
        .params
        .iter()
        .map(|p| {
            let k = kind(&p.ty, p.span);
            let k = if p.nullable || p.optional {
                quote_spanned!(p.span=> ::quarry::kind::Nullable(#k))
            } else {
                k
            };
            match &p.source {
                ParamSource::Name(id) => {
                    let sp = id.span();
                    if p.list {
                        quote_spanned!(sp=> ::quarry::param::bind_list(&#id, #k))
                    } else {
                        quote_spanned!(sp=> ::quarry::__private::bind(&#id, #k))
                    }
                }
                ParamSource::Expr(ts) => {
                    if p.list {
                        quote_spanned!(p.span=> ::quarry::param::bind_list(&(#ts), #k))
                    } else {
                        quote_spanned!(p.span=> ::quarry::param::bind_owned(&(#ts), #k))
                    }
                }
                ParamSource::Str(s) => {
                    quote_spanned!(p.span=> ::quarry::__private::bind(&#s, #k))
                }
            }
        })
        .collect();
    // `args([..])`, one non-generic-over-`T` call, is cheaper to check than
    // `vec![..]`.
    let args = if binds.is_empty() {
        quote!(::std::vec::Vec::new())
    } else {
        quote!(::quarry::param::args([#(#binds),*]))
    };
    let include = snapshot_dependency(input.snapshot);
    quote! {{
        #include
        #row_items
        #statics
        ::quarry::Query::new(#chosen, #args, __quarry_decode)
    }}
}

fn snapshot_dependency(path: Option<&std::path::Path>) -> TokenStream {
    match path.and_then(|p| p.to_str()) {
        Some(p) => quote!(
            const _: &[u8] = ::core::include_bytes!(#p);
        ),
        None => TokenStream::new(),
    }
}

/// The fallback after errors: the errors as `compile_error!`, plus a typed
/// stub (same row type when it is known) so one mistake does not cascade
/// into unrelated type errors at the call site.
pub fn stub(errors: syn::Error, columns: &[OutColumn], input: &Input) -> TokenStream {
    let mut scratch = Diagnostics::new();
    let (row_items, _) = rows(columns, input, &mut scratch, true);
    let errors = errors.into_compile_error();
    let include = snapshot_dependency(input.snapshot);
    quote! {{
        #errors
        #include
        #row_items
        static __QUARRY_STUB: ::quarry::Statement = ::quarry::Statement {
            id: "",
            variant: 0,
            sql: "",
            param_decls: "",
            args: &[],
            columns: &[],
            kind: ::quarry::StatementKind::Select,
            file: ::core::file!(),
            line: ::core::line!(),
        };
        ::quarry::Query::new(&__QUARRY_STUB, ::std::vec::Vec::new(), __quarry_decode)
    }}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_idents() {
        let s = Span::call_site();
        assert_eq!(
            field_ident("username", s).map(|i| i.to_string()).as_deref(),
            Some("username")
        );
        assert_eq!(
            field_ident("type", s).map(|i| i.to_string()).as_deref(),
            Some("r#type")
        );
        assert!(field_ident("has space", s).is_none());
        assert!(field_ident("self", s).is_none());
        assert!(field_ident("", s).is_none());
        assert!(field_ident("9lives", s).is_none());
    }

    #[test]
    fn struct_names() {
        let n = Ident::new("recent_users", Span::call_site());
        assert_eq!(struct_name(Some(&n)).to_string(), "RecentUsers");
        assert_eq!(struct_name(None).to_string(), "Record");
    }

    #[test]
    fn types() {
        assert_eq!(rust_type(&SqlType::Int).to_string(), "i32");
        assert_eq!(
            rust_type(&SqlType::Decimal {
                precision: 10,
                scale: 2
            })
            .to_string(),
            ":: quarry :: types :: Decimal"
        );
        assert_eq!(
            rust_type(&SqlType::UniqueIdentifier).to_string(),
            ":: quarry :: types :: Uuid"
        );
    }
}
