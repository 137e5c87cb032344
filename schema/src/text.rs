//! Small text helpers shared by the snapshot format and the DDL importer:
//! T-SQL-aware scanning of parenthesised expressions, identifier quoting and
//! the list of T-SQL reserved words.

/// Given `s[start] == b'('`, returns the index just past the matching `)`,
/// skipping string literals (`'..'`, with `''`), bracketed identifiers
/// (`[..]`, with `]]`) and quoted identifiers (`".."`, with `""`). `None`
/// when the group is not closed.
pub(crate) fn group_end(s: &str, start: usize) -> Option<usize> {
    let b = s.as_bytes();
    debug_assert_eq!(b.get(start), Some(&b'('));
    let mut depth = 0usize;
    let mut i = start;
    while i < b.len() {
        match b[i] {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            q @ (b'\'' | b'[' | b'"') => {
                let close = if q == b'[' { b']' } else { q };
                i += 1;
                loop {
                    if i >= b.len() {
                        return None;
                    }
                    if b[i] == close {
                        if b.get(i + 1) == Some(&close) {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// True when `s` is one parenthesised group from its first to its last byte,
/// such as `(getdate())` but not `(a) + (b)`.
pub(crate) fn is_single_group(s: &str) -> bool {
    s.starts_with('(') && group_end(s, 0) == Some(s.len())
}

/// True for a name that can be written without brackets: an ASCII letter or
/// underscore, then letters, digits and underscores, and not a reserved word.
pub(crate) fn is_plain_ident(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == '_') && !is_reserved(s)
}

/// Writes `name` bare when it is a plain identifier, otherwise in brackets
/// with `]` doubled, as T-SQL quotes it.
pub(crate) fn push_ident(out: &mut String, name: &str) {
    if is_plain_ident(name) {
        out.push_str(name);
    } else {
        out.push('[');
        for c in name.chars() {
            if c == ']' {
                out.push(']');
            }
            out.push(c);
        }
        out.push(']');
    }
}

/// True when `word` is a T-SQL reserved keyword or a word with a meaning of
/// its own in the snapshot format (so it is bracketed when used as a name).
pub(crate) fn is_reserved(word: &str) -> bool {
    let mut buf = [0u8; 32];
    if word.len() > buf.len() {
        return false;
    }
    for (d, s) in buf.iter_mut().zip(word.bytes()) {
        *d = s.to_ascii_lowercase();
    }
    let lower = &buf[..word.len()];
    RESERVED
        .binary_search_by(|k| k.as_bytes().cmp(lower))
        .is_ok()
}

/// T-SQL reserved keywords plus the snapshot format's own words, sorted.
const RESERVED: &[&str] = &[
    "add",
    "alias",
    "all",
    "alter",
    "always",
    "and",
    "any",
    "as",
    "asc",
    "authorization",
    "backup",
    "begin",
    "between",
    "break",
    "browse",
    "bulk",
    "by",
    "cascade",
    "case",
    "check",
    "checkpoint",
    "close",
    "clustered",
    "coalesce",
    "collate",
    "column",
    "commit",
    "compute",
    "computed",
    "constraint",
    "contains",
    "containstable",
    "continue",
    "convert",
    "create",
    "cross",
    "current",
    "current_date",
    "current_time",
    "current_timestamp",
    "current_user",
    "cursor",
    "database",
    "dbcc",
    "deallocate",
    "declare",
    "default",
    "delete",
    "deny",
    "desc",
    "disk",
    "distinct",
    "distributed",
    "double",
    "drop",
    "dump",
    "else",
    "end",
    "errlvl",
    "escape",
    "except",
    "exec",
    "execute",
    "exists",
    "exit",
    "external",
    "fetch",
    "file",
    "fillfactor",
    "for",
    "foreign",
    "freetext",
    "freetexttable",
    "from",
    "full",
    "function",
    "generated",
    "goto",
    "grant",
    "group",
    "having",
    "holdlock",
    "identity",
    "identity_insert",
    "identitycol",
    "if",
    "in",
    "include",
    "index",
    "inner",
    "insert",
    "intersect",
    "into",
    "is",
    "join",
    "key",
    "kill",
    "left",
    "like",
    "lineno",
    "load",
    "merge",
    "national",
    "nocheck",
    "nonclustered",
    "not",
    "null",
    "nullif",
    "of",
    "off",
    "offsets",
    "on",
    "open",
    "opendatasource",
    "openquery",
    "openrowset",
    "openxml",
    "option",
    "or",
    "order",
    "outer",
    "over",
    "percent",
    "persisted",
    "pivot",
    "plan",
    "precision",
    "primary",
    "print",
    "proc",
    "procedure",
    "public",
    "raiserror",
    "read",
    "readtext",
    "reconfigure",
    "references",
    "replication",
    "restore",
    "restrict",
    "return",
    "revert",
    "revoke",
    "right",
    "rollback",
    "rowcount",
    "rowguidcol",
    "rule",
    "save",
    "schema",
    "securityaudit",
    "select",
    "semantickeyphrasetable",
    "semanticsimilaritydetailstable",
    "semanticsimilaritytable",
    "session_user",
    "set",
    "setuser",
    "shutdown",
    "some",
    "statistics",
    "system_user",
    "table",
    "tablesample",
    "textsize",
    "then",
    "to",
    "top",
    "tran",
    "transaction",
    "trigger",
    "triggers",
    "truncate",
    "try_convert",
    "tsequal",
    "type",
    "union",
    "unique",
    "unpivot",
    "update",
    "updatetext",
    "use",
    "user",
    "values",
    "varying",
    "view",
    "waitfor",
    "when",
    "where",
    "while",
    "with",
    "within",
    "writetext",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_list_is_sorted_so_binary_search_works() {
        assert!(RESERVED.windows(2).all(|w| w[0] < w[1]));
        assert!(is_reserved("ORDER") && is_reserved("group") && !is_reserved("users"));
    }

    #[test]
    fn groups_skip_quoted_parentheses() {
        assert_eq!(group_end("(a + ')' + [x)])  tail", 0), Some(16));
        assert!(is_single_group("((0))"));
        assert!(!is_single_group("(a) + (b)"));
        assert_eq!(group_end("(unclosed '", 0), None);
    }

    #[test]
    fn idents_are_bracketed_only_when_needed() {
        let mut s = String::new();
        push_ident(&mut s, "users");
        s.push(' ');
        push_ident(&mut s, "order");
        s.push(' ');
        push_ident(&mut s, "odd]name x");
        assert_eq!(s, "users [order] [odd]]name x]");
    }
}
