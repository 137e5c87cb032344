//! Property test: the pipeline never panics, whatever tokens it is given.
//! A deterministic generator (xorshift, fixed seeds) produces random token
//! streams from the DSL's vocabulary and mutations of valid queries (tokens
//! dropped, duplicated, swapped, groups emptied); each goes through parse,
//! check, lower and expand against the repository's snapshot.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::str::FromStr;

use proc_macro2::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};
use quarry_compiler::{Target, compile, expand_with};
use quarry_schema::model::Schema;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const WORDS: &[&str] = &[
    "select",
    "insert",
    "update",
    "delete",
    "upsert",
    "distinct",
    "join",
    "left",
    "on",
    "where",
    "group",
    "by",
    "having",
    "order",
    "asc",
    "desc",
    "limit",
    "offset",
    "for",
    "nowait",
    "with",
    "set",
    "returning",
    "top",
    "in",
    "not",
    "like",
    "between",
    "and",
    "is",
    "null",
    "true",
    "false",
    "exists",
    "as",
    "cast",
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "len",
    "dateadd",
    "datediff",
    "coalesce",
    "isnull",
    "day",
    "users",
    "orders",
    "employees",
    "posts",
    "tags",
    "post_tags",
    "accounts",
    "logs",
    "products",
    "group",
    "staging",
    "sales_tmp",
    "id",
    "username",
    "fullname",
    "email",
    "total",
    "user_id",
    "created_at",
    "manager_id",
    "name",
    "status",
    "version",
    "u",
    "o",
    "e",
    "m",
    "int",
    "varchar",
    "decimal",
    "max",
    "holdlock",
    "readpast",
    "x",
    "r#type",
];
const PUNCTS: &[&str] = &[
    "==", "!=", "<", "<=", ">", ">=", "&&", "||", "!", "+", "-", "*", "/", "%", ".", ",", ":", "$",
    "?", ";", "@", "#",
];

fn punct(s: &str, out: &mut Vec<TokenTree>) {
    let chars: Vec<char> = s.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let spacing = if i + 1 < chars.len() {
            Spacing::Joint
        } else {
            Spacing::Alone
        };
        out.push(TokenTree::Punct(Punct::new(*c, spacing)));
    }
}

fn random_stream(rng: &mut Rng, depth: usize) -> TokenStream {
    let len = rng.below(24);
    let mut out = Vec::new();
    for _ in 0..len {
        match rng.below(10) {
            0..=4 => {
                let w = WORDS[rng.below(WORDS.len())];
                let id = match w.strip_prefix("r#") {
                    Some(raw) => Ident::new_raw(raw, Span::call_site()),
                    None => Ident::new(w, Span::call_site()),
                };
                out.push(TokenTree::Ident(id));
            }
            5 | 6 => punct(PUNCTS[rng.below(PUNCTS.len())], &mut out),
            7 => out.push(TokenTree::Literal(match rng.below(6) {
                0 => Literal::string("text"),
                1 => Literal::i64_unsuffixed(rng.below(100_000) as i64),
                2 => Literal::f64_unsuffixed(1.5),
                3 => Literal::u8_suffixed(3),
                4 => Literal::character('c'),
                _ => Literal::string(""),
            })),
            _ if depth < 3 => {
                let d = [
                    Delimiter::Parenthesis,
                    Delimiter::Brace,
                    Delimiter::Bracket,
                    Delimiter::None,
                ][rng.below(4)];
                out.push(TokenTree::Group(Group::new(
                    d,
                    random_stream(rng, depth + 1),
                )));
            }
            _ => {}
        }
    }
    out.into_iter().collect()
}

const VALID: &[&str] = &[
    "q: select users { id, username } where username != \"admin\" && created_at >= $since order by created_at desc limit 5",
    "select users join orders { users.username, count(orders.id) as n, sum(orders.total) as t } group by users.username having sum(orders.total) > 500",
    "select employees e left join employees m on e.manager_id == m.id { e.name, m.name as manager }",
    "select orders where user_id == $user_id? && created_at >= $since? order by created_at desc offset $skip limit 20",
    "insert users { username: $name, fullname: $full } returning id",
    "update top (10) orders set { total: total * (1 - $discount) } where total > $threshold returning { id, total }",
    "delete top (1000) logs where logged_at < dateadd(day, -30, sysutcdatetime())",
    "upsert users on username { username: $name, fullname: $full }",
    "select users where id in $ids && fullname like \"R%\" && id in (select orders { user_id }) for update nowait",
    "select users join (select orders { user_id, max(total) as m } group by user_id) as mo on users.id == mo.user_id { users.username, mo.m }",
    "select users where exists (select orders where orders.user_id == users.id) && cast(id as bigint) between 1 and 9",
];

fn mutate(rng: &mut Rng, ts: TokenStream, depth: usize) -> TokenStream {
    let mut toks: Vec<TokenTree> = ts.into_iter().collect();
    for _ in 0..=rng.below(3) {
        if toks.is_empty() {
            break;
        }
        let i = rng.below(toks.len());
        match rng.below(5) {
            0 => {
                toks.remove(i);
            }
            1 => {
                let t = toks[i].clone();
                toks.insert(i, t);
            }
            2 => {
                let j = rng.below(toks.len());
                toks.swap(i, j);
            }
            3 => {
                if let TokenTree::Group(g) = &toks[i] {
                    let inner = if depth < 3 {
                        mutate(rng, g.stream(), depth + 1)
                    } else {
                        TokenStream::new()
                    };
                    toks[i] = TokenTree::Group(Group::new(g.delimiter(), inner));
                }
            }
            _ => {
                let extra: Vec<TokenTree> = random_stream(rng, 2).into_iter().take(2).collect();
                for (k, t) in extra.into_iter().enumerate() {
                    toks.insert((i + k).min(toks.len()), t);
                }
            }
        }
    }
    toks.into_iter().collect()
}

fn schema() -> Schema {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../quarry.schema");
    quarry_schema::snapshot::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

fn run(schema: &Schema, ts: TokenStream) {
    let text = ts.to_string();
    let result = catch_unwind(AssertUnwindSafe(|| {
        let _ = compile(ts.clone(), schema);
        let _ = expand_with(ts.clone(), schema, None, &Target::Generated);
        let _ = expand_with(ts, schema, None, &Target::Into(quote_path()));
    }));
    assert!(result.is_ok(), "the pipeline panicked on: {text}");
}

fn quote_path() -> TokenStream {
    TokenStream::from_str("crate::User").unwrap_or_default()
}

#[test]
fn valid_queries_compile() {
    let schema = schema();
    for q in VALID {
        let ts = TokenStream::from_str(q).unwrap_or_else(|e| panic!("{q}: {e}"));
        if let Err(d) = compile(ts, &schema) {
            panic!("{q}: {:?}", d.messages());
        }
    }
}

#[test]
fn random_token_streams_never_panic() {
    let schema = schema();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..3_000 {
        let ts = random_stream(&mut rng, 0);
        run(&schema, ts);
    }
}

#[test]
fn mutated_queries_never_panic() {
    let schema = schema();
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    for round in 0..4_000 {
        let q = VALID[round % VALID.len()];
        let ts = TokenStream::from_str(q).unwrap_or_else(|e| panic!("{q}: {e}"));
        run(&schema, mutate(&mut rng, ts, 0));
    }
}
