//! Counting `unsafe` in Rust source with a small lexer (no parser): comments (line, doc and
//! nested block comments), string, byte-string, C-string and raw-string literals, and character
//! literals are skipped, so `"unsafe {"` in a string or a comment does not count, and neither do
//! identifiers such as `unsafe_code` or the raw identifier `r#unsafe`.
//!
//! What counts, by the tokens after the keyword:
//!
//! - `unsafe {` — an unsafe block;
//! - `unsafe fn NAME`, `unsafe extern "ABI" fn NAME` — an unsafe function (also a declaration in
//!   an `extern` block); the function-pointer type `unsafe fn(…)` does not count;
//! - `unsafe impl` — an unsafe trait implementation;
//! - `unsafe trait`, `unsafe auto trait` — an unsafe trait;
//! - `unsafe extern {`, `unsafe extern "ABI" {` — an unsafe extern block (edition 2024);
//! - `#[unsafe(…)]` — an unsafe attribute (`no_mangle`, `export_name`, `link_section`).
//!
//! Keywords inside macro definitions and invocations count like any other token.

use std::ops::AddAssign;

/// How many `unsafe` constructs a piece of source code has, by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UnsafeCounts {
    /// `unsafe { … }`.
    pub blocks: usize,
    /// `unsafe fn` definitions and declarations.
    pub functions: usize,
    /// `unsafe impl`.
    pub impls: usize,
    /// `unsafe trait`.
    pub traits: usize,
    /// `unsafe extern` blocks.
    pub extern_blocks: usize,
    /// `#[unsafe(…)]` attributes.
    pub attributes: usize,
}

impl UnsafeCounts {
    /// The sum of all kinds.
    pub fn total(&self) -> usize {
        self.blocks
            + self.functions
            + self.impls
            + self.traits
            + self.extern_blocks
            + self.attributes
    }

    /// `3 blocks, 1 fn, 1 impl`: the non-zero kinds, or `none`.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = [
            (self.blocks, "block", "blocks"),
            (self.functions, "fn", "fns"),
            (self.impls, "impl", "impls"),
            (self.traits, "trait", "traits"),
            (self.extern_blocks, "extern block", "extern blocks"),
            (self.attributes, "attribute", "attributes"),
        ]
        .into_iter()
        .filter(|(n, _, _)| *n > 0)
        .map(|(n, one, many)| format!("{n} {}", if n == 1 { one } else { many }))
        .collect();
        if parts.is_empty() {
            "none".to_owned()
        } else {
            parts.join(", ")
        }
    }
}

impl AddAssign for UnsafeCounts {
    fn add_assign(&mut self, other: Self) {
        self.blocks += other.blocks;
        self.functions += other.functions;
        self.impls += other.impls;
        self.traits += other.traits;
        self.extern_blocks += other.extern_blocks;
        self.attributes += other.attributes;
    }
}

/// A token, as far as counting goes.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    /// An identifier or keyword (not a raw identifier), or a number.
    Word(String),
    /// A raw identifier `r#name`.
    RawIdent,
    /// A string literal of any kind.
    Str,
    /// A character or byte literal.
    Char,
    /// A lifetime or label.
    Lifetime,
    /// Any other character.
    Punct(char),
}

/// Counts the `unsafe` constructs of one source file. Never fails: unterminated comments or
/// literals simply end the scan.
pub fn count(source: &str) -> UnsafeCounts {
    let tokens = tokenize(source);
    let mut counts = UnsafeCounts::default();
    for (index, token) in tokens.iter().enumerate() {
        if *token != Token::Word("unsafe".to_owned()) {
            continue;
        }
        let at = |offset: usize| tokens.get(index + offset);
        let word =
            |offset: usize, text: &str| matches!(at(offset), Some(Token::Word(w)) if w == text);
        let named = |offset: usize| matches!(at(offset), Some(Token::Word(_) | Token::RawIdent));
        match at(1) {
            Some(Token::Punct('{')) => counts.blocks += 1,
            Some(Token::Punct('('))
                if index >= 2
                    && tokens.get(index - 1) == Some(&Token::Punct('['))
                    && tokens.get(index - 2) == Some(&Token::Punct('#')) =>
            {
                counts.attributes += 1;
            }
            Some(Token::Word(next)) => match next.as_str() {
                "fn" if named(2) => counts.functions += 1,
                "impl" => counts.impls += 1,
                "trait" => counts.traits += 1,
                "auto" if word(2, "trait") => counts.traits += 1,
                "extern" => {
                    let after_abi = if matches!(at(2), Some(Token::Str)) {
                        3
                    } else {
                        2
                    };
                    if word(after_abi, "fn") && named(after_abi + 1) {
                        counts.functions += 1;
                    } else if at(after_abi) == Some(&Token::Punct('{')) {
                        counts.extern_blocks += 1;
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }
    counts
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_continue(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

fn tokenize(source: &str) -> Vec<Token> {
    let chars: Vec<char> = source.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    let peek = |at: usize| chars.get(at).copied();
    while let Some(c) = peek(i) {
        // Comments.
        if c == '/' && peek(i + 1) == Some('/') {
            while peek(i).is_some_and(|c| c != '\n') {
                i += 1;
            }
            continue;
        }
        if c == '/' && peek(i + 1) == Some('*') {
            i = skip_block_comment(&chars, i);
            continue;
        }
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        // Raw strings `r"…"`, `r#"…"#`, with `b`/`c` prefixes; raw identifiers `r#name`.
        let prefix = if matches!(c, 'b' | 'c') && peek(i + 1) == Some('r') {
            2
        } else if c == 'r' {
            1
        } else {
            0
        };
        if prefix > 0 {
            let mut j = i + prefix;
            let mut hashes = 0;
            while peek(j) == Some('#') {
                hashes += 1;
                j += 1;
            }
            if peek(j) == Some('"') {
                i = skip_raw_string(&chars, j + 1, hashes);
                tokens.push(Token::Str);
                continue;
            }
            if prefix == 1 && hashes == 1 && peek(j).is_some_and(is_ident_start) {
                while peek(j).is_some_and(is_ident_continue) {
                    j += 1;
                }
                tokens.push(Token::RawIdent);
                i = j;
                continue;
            }
        }
        // Strings `"…"`, `b"…"`, `c"…"`; byte literals `b'…'`.
        if c == '"' || (matches!(c, 'b' | 'c') && peek(i + 1) == Some('"')) {
            let start = if c == '"' { i + 1 } else { i + 2 };
            i = skip_quoted(&chars, start, '"');
            tokens.push(Token::Str);
            continue;
        }
        if c == 'b' && peek(i + 1) == Some('\'') {
            i = skip_quoted(&chars, i + 2, '\'');
            tokens.push(Token::Char);
            continue;
        }
        // Character literals and lifetimes.
        if c == '\'' {
            if peek(i + 1) == Some('\\') || (peek(i + 1).is_some() && peek(i + 2) == Some('\'')) {
                i = skip_quoted(&chars, i + 1, '\'');
                tokens.push(Token::Char);
            } else {
                i += 1;
                while peek(i).is_some_and(is_ident_continue) {
                    i += 1;
                }
                tokens.push(Token::Lifetime);
            }
            continue;
        }
        if is_ident_start(c) || c.is_ascii_digit() {
            let start = i;
            while peek(i).is_some_and(is_ident_continue) {
                i += 1;
            }
            tokens.push(Token::Word(chars[start..i].iter().collect()));
            continue;
        }
        tokens.push(Token::Punct(c));
        i += 1;
    }
    tokens
}

/// Skips a (nested) block comment starting at `start` (its `/*`); returns the index after it.
fn skip_block_comment(chars: &[char], start: usize) -> usize {
    let mut depth = 0usize;
    let mut i = start;
    while i < chars.len() {
        match (chars[i], chars.get(i + 1)) {
            ('/', Some('*')) => {
                depth += 1;
                i += 2;
            }
            ('*', Some('/')) => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    i
}

/// Skips a literal body from `start` (after the opening quote) to after the closing `quote`,
/// honouring backslash escapes.
fn skip_quoted(chars: &[char], start: usize, quote: char) -> usize {
    let mut i = start;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    i
}

/// Skips a raw string body from `start` (after the opening `"`) to after `"` and `hashes` `#`s.
fn skip_raw_string(chars: &[char], start: usize, hashes: usize) -> usize {
    let mut i = start;
    while i < chars.len() {
        if chars[i] == '"' && (1..=hashes).all(|k| chars.get(i + k) == Some(&'#')) {
            return i + 1 + hashes;
        }
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_each_kind() {
        let source = r#"
            unsafe fn raw() {}
            pub unsafe extern "C" fn exported(x: u8) {}
            unsafe impl Send for X {}
            unsafe trait Marker {}
            unsafe auto trait Auto {}
            unsafe extern "C" { fn abs(x: i32) -> i32; }
            unsafe extern { safe fn f(); unsafe fn g(); }
            #[unsafe(no_mangle)]
            fn main() { unsafe { raw() }; let _ = unsafe { 1 }; }
        "#;
        let c = count(source);
        assert_eq!(c.blocks, 2);
        assert_eq!(c.functions, 3, "raw, exported, g");
        assert_eq!(c.impls, 1);
        assert_eq!(c.traits, 2);
        assert_eq!(c.extern_blocks, 2);
        assert_eq!(c.attributes, 1);
        assert_eq!(c.total(), 11);
        assert_eq!(
            c.describe(),
            "2 blocks, 3 fns, 1 impl, 2 traits, 2 extern blocks, 1 attribute"
        );
    }

    #[test]
    fn comments_do_not_count() {
        let source = "
            // unsafe { line }
            /// unsafe fn doc() {}
            //! unsafe impl
            /* unsafe { block } */
            /* outer /* nested unsafe { */ still comment unsafe { */
            /** unsafe fn doc_block() {} */
            fn ok() {}
        ";
        assert_eq!(count(source), UnsafeCounts::default());
        // After a nested comment closes, code counts again.
        assert_eq!(count("/* a /* b */ c */ unsafe { }").blocks, 1);
    }

    #[test]
    fn literals_do_not_count() {
        let source = r####"
            let a = "unsafe { in a string \" unsafe { }";
            let b = b"unsafe fn x()";
            let c = c"unsafe impl";
            let d = r"unsafe { raw }";
            let e = r#"unsafe { " raw with quote }"#;
            let f = r##"unsafe { "# still }"##;
            let g = br#"unsafe trait"#;
            let h = '"'; let i = '\''; let j = b'"';
            let k = "escaped backslash \\"; let l = '{';
        "####;
        assert_eq!(count(source), UnsafeCounts::default());
        assert_eq!(count(r#"let s = "\""; unsafe { }"#).blocks, 1);
        assert_eq!(count(r#"let c = '"'; unsafe { }"#).blocks, 1);
    }

    #[test]
    fn identifiers_and_types_do_not_count() {
        let source = "
            #![forbid(unsafe_code)]
            let unsafe_code = 1; let not_unsafe = 2; let r#unsafe = 3;
            type F = unsafe fn(u8) -> u8;
            type G = unsafe extern \"C\" fn();
            fn f<'unsafe_life>(x: &'unsafe_life u8) {}
        ";
        assert_eq!(count(source), UnsafeCounts::default());
    }

    #[test]
    fn lifetimes_are_not_char_literals() {
        // A lifetime must not swallow the code after it as a literal.
        let source = "fn f<'a>(x: &'a str) -> &'a str { unsafe { x } }";
        assert_eq!(count(source).blocks, 1);
    }

    #[test]
    fn unterminated_input_ends_the_scan() {
        assert_eq!(count("/* unsafe {"), UnsafeCounts::default());
        assert_eq!(count("\"unsafe {"), UnsafeCounts::default());
        assert_eq!(count("r#\"unsafe {"), UnsafeCounts::default());
        assert_eq!(count("unsafe"), UnsafeCounts::default());
    }
}
