//! The T-SQL tokenizer of the DDL importer: identifiers (bare, `[bracketed]`,
//! `"quoted"`), literals, operators and `GO` batch separators, with line
//! numbers and byte spans. Comments (`--`, nested `/* */`) are dropped.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A bare word: keyword or unquoted identifier (also `#temp`).
    Word,
    /// A `[bracketed]` or `"quoted"` identifier; `value` is unquoted.
    Quoted,
    /// A numeric literal (also `0x..` binary literals).
    Number,
    /// A string literal, `'..'` or `N'..'`; `value` is unescaped.
    Str,
    /// A `@variable` or `@@function`.
    Var,
    /// An operator or punctuation character (or a two-character operator).
    Punct,
    /// A `GO` batch separator on its own line.
    Go,
}

/// One token.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub kind: Kind,
    /// The word, the unquoted identifier, the unescaped string, the operator.
    pub value: String,
    /// Byte span in the source.
    pub start: usize,
    pub end: usize,
    /// 1-based line of the token's first character.
    pub line: usize,
}

impl Token {
    /// True for the bare word `kw` (ASCII case-insensitive). Quoted
    /// identifiers are never keywords.
    pub fn is_kw(&self, kw: &str) -> bool {
        self.kind == Kind::Word && self.value.eq_ignore_ascii_case(kw)
    }

    /// True for the punctuation `p`.
    pub fn is_punct(&self, p: &str) -> bool {
        self.kind == Kind::Punct && self.value == p
    }
}

/// A problem found while tokenizing (an unterminated literal or comment).
#[derive(Debug, Clone)]
pub(crate) struct LexError {
    pub line: usize,
    pub message: String,
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'@' || b == b'#' || b == b'$' || b >= 0x80
}

/// Tokenizes `src`. Never fails: an unterminated literal runs to the end of
/// the input and is reported in the returned errors.
pub(crate) fn tokenize(src: &str) -> (Vec<Token>, Vec<LexError>) {
    let b = src.as_bytes();
    let mut toks: Vec<Token> = Vec::with_capacity(src.len() / 5);
    let mut errors = Vec::new();
    let mut i = 0;
    let mut line = 1;
    // Line of the last token pushed, to recognise `GO` as the first token
    // of its line.
    let mut last_tok_line = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'\n' {
            line += 1;
            i += 1;
            continue;
        }
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let start_line = line;
        let push = |toks: &mut Vec<Token>, kind, value: String, end| {
            toks.push(Token {
                kind,
                value,
                start,
                end,
                line: start_line,
            });
        };
        match c {
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut depth = 0usize;
                loop {
                    if i >= b.len() {
                        errors.push(LexError {
                            line: start_line,
                            message: "unterminated `/*` comment".into(),
                        });
                        break;
                    }
                    if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        if b[i] == b'\n' {
                            line += 1;
                        }
                        i += 1;
                    }
                }
                continue;
            }
            b'\'' => {
                let (value, end) = quoted(src, i, b'\'', &mut line, &mut errors, "string literal");
                i = end;
                push(&mut toks, Kind::Str, value, end);
            }
            b'N' | b'n' if b.get(i + 1) == Some(&b'\'') => {
                let (value, end) =
                    quoted(src, i + 1, b'\'', &mut line, &mut errors, "string literal");
                i = end;
                push(&mut toks, Kind::Str, value, end);
            }
            b'[' => {
                let (value, end) = quoted(src, i, b']', &mut line, &mut errors, "`[` identifier");
                i = end;
                push(&mut toks, Kind::Quoted, value, end);
            }
            b'"' => {
                let (value, end) =
                    quoted(src, i, b'"', &mut line, &mut errors, "quoted identifier");
                i = end;
                push(&mut toks, Kind::Quoted, value, end);
            }
            b'0'..=b'9' => {
                if c == b'0' && matches!(b.get(i + 1), Some(b'x' | b'X')) {
                    i += 2;
                    while i < b.len() && b[i].is_ascii_hexdigit() {
                        i += 1;
                    }
                } else {
                    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                        i += 1;
                    }
                    if i < b.len() && matches!(b[i], b'e' | b'E') {
                        let mut j = i + 1;
                        if j < b.len() && matches!(b[j], b'+' | b'-') {
                            j += 1;
                        }
                        if j < b.len() && b[j].is_ascii_digit() {
                            i = j;
                            while i < b.len() && b[i].is_ascii_digit() {
                                i += 1;
                            }
                        }
                    }
                }
                push(&mut toks, Kind::Number, src[start..i].to_string(), i);
            }
            b'.' if b.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                i += 1;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                push(&mut toks, Kind::Number, src[start..i].to_string(), i);
            }
            b'@' => {
                i += 1;
                while i < b.len() && is_word_byte(b[i]) {
                    i += 1;
                }
                push(&mut toks, Kind::Var, src[start..i].to_string(), i);
            }
            c if is_word_byte(c) => {
                while i < b.len() && is_word_byte(b[i]) {
                    i += 1;
                }
                let word = &src[start..i];
                let go_end = (word.eq_ignore_ascii_case("go") && last_tok_line != start_line)
                    .then(|| go_tail(b, i))
                    .flatten();
                if let Some((count_end, _)) = go_end {
                    push(&mut toks, Kind::Go, word.to_string(), i);
                    i = count_end;
                    last_tok_line = start_line;
                    continue;
                }
                push(&mut toks, Kind::Word, word.to_string(), i);
            }
            _ => {
                let two = src.get(i..i + 2).unwrap_or("");
                let len = if matches!(
                    two,
                    "<=" | ">="
                        | "<>"
                        | "!="
                        | "!<"
                        | "!>"
                        | "::"
                        | "+="
                        | "-="
                        | "*="
                        | "/="
                        | "||"
                ) {
                    2
                } else {
                    // Take one whole character, so multi-byte punctuation
                    // never splits a UTF-8 sequence.
                    src[i..].chars().next().map_or(1, char::len_utf8)
                };
                i += len;
                push(&mut toks, Kind::Punct, src[start..i].to_string(), i);
            }
        }
        last_tok_line = toks.last().map_or(last_tok_line, |t| {
            // A multi-line token ends on a later line; `GO` after it on that
            // line is still not alone.
            t.line + src[t.start..t.end].bytes().filter(|&b| b == b'\n').count()
        });
    }
    (toks, errors)
}

/// After the word `GO` ending at `i`: the rest of the line must be blank, an
/// optional count, an optional `--` comment. Returns where the line's content
/// ends and the count.
fn go_tail(b: &[u8], mut i: usize) -> Option<(usize, u32)> {
    while i < b.len() && (b[i] == b' ' || b[i] == b'\t' || b[i] == b'\r') {
        i += 1;
    }
    let digits_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let count = std::str::from_utf8(&b[digits_start..i])
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    while i < b.len() && (b[i] == b' ' || b[i] == b'\t' || b[i] == b'\r') {
        i += 1;
    }
    if i >= b.len() || b[i] == b'\n' {
        return Some((i, count));
    }
    if b[i] == b'-' && b.get(i + 1) == Some(&b'-') {
        while i < b.len() && b[i] != b'\n' {
            i += 1;
        }
        return Some((i, count));
    }
    None
}

/// Reads a literal that opens at `src[open]` and closes with `close`, where a
/// doubled `close` stands for one. Returns the unescaped content and the
/// index past the closing character.
fn quoted(
    src: &str,
    open: usize,
    close: u8,
    line: &mut usize,
    errors: &mut Vec<LexError>,
    what: &str,
) -> (String, usize) {
    let b = src.as_bytes();
    let start_line = *line;
    let mut i = open + 1;
    let mut seg = i;
    let mut value = String::new();
    while i < b.len() {
        if b[i] == close {
            if b.get(i + 1) == Some(&close) {
                value.push_str(&src[seg..=i]);
                i += 2;
                seg = i;
                continue;
            }
            value.push_str(&src[seg..i]);
            return (value, i + 1);
        }
        if b[i] == b'\n' {
            *line += 1;
        }
        i += 1;
    }
    errors.push(LexError {
        line: start_line,
        message: format!("unterminated {what}"),
    });
    value.push_str(&src[seg..]);
    (value, b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(Kind, String, usize)> {
        tokenize(src)
            .0
            .into_iter()
            .map(|t| (t.kind, t.value, t.line))
            .collect()
    }

    #[test]
    fn identifiers_literals_and_comments() {
        let toks = kinds(
            "CREATE TABLE [dbo].[my ]]t] -- c\n(\"x\" int /* a /* nested */ b */ DEFAULT N'it''s')",
        );
        let values: Vec<&str> = toks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(
            values,
            [
                "CREATE", "TABLE", "dbo", ".", "my ]t", "(", "x", "int", "DEFAULT", "it's", ")"
            ]
        );
        assert_eq!(toks[4].0, Kind::Quoted);
        assert_eq!(toks[5].2, 2);
        assert_eq!(toks[9].0, Kind::Str);
    }

    #[test]
    fn go_only_alone_on_its_line() {
        let toks = kinds("select 1\r\nGO\r\nselect go\ngo 5 -- again\nGOTO x");
        let go: Vec<usize> = toks
            .iter()
            .filter(|t| t.0 == Kind::Go)
            .map(|t| t.2)
            .collect();
        assert_eq!(go, [2, 4]);
        assert!(toks.iter().any(|t| t.0 == Kind::Word && t.1 == "go"));
    }

    #[test]
    fn unterminated_literals_are_reported_not_fatal() {
        let (toks, errors) = tokenize("select 'abc\nmore");
        assert_eq!(toks.len(), 2);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 1);
        let (_, errors) = tokenize("/* open /* nested */");
        assert_eq!(errors.len(), 1);
    }
}
