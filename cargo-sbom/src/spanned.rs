//! TOML files read with the position of every key and value: the one source of `file:line`
//! locations in the suite (`attest.toml`, `Cargo.toml`, `Cargo.lock`, `rust-toolchain.toml`,
//! `.cargo/config.toml`), for findings and for configuration errors alike.
//!
//! [`TomlFile::parse`] reads a document once with `toml`'s spanned parser into an owned tree of
//! [`Node`]s; lookups ([`TomlFile::get`], [`TomlFile::key_line`]) walk that tree. Nothing here
//! searches the text line by line.

use std::ops::Range;

use toml::de::{DeTable, DeValue};

/// A parsed TOML document with the spans of its keys and values.
#[derive(Clone, Debug)]
pub struct TomlFile {
    root: Node,
    /// Byte offset of the start of each line.
    line_starts: Vec<usize>,
}

/// A value of the document and where it is.
#[derive(Clone, Debug)]
pub struct Node {
    /// The bytes of the value (for a table: its header, or the inline table).
    pub span: Range<usize>,
    /// The value.
    pub value: Value,
}

/// A TOML value, as far as locating things needs it.
#[derive(Clone, Debug)]
pub enum Value {
    /// A table (standard, inline, or an element of an array of tables), keys in file order.
    Table(Vec<Entry>),
    /// An array.
    Array(Vec<Node>),
    /// A string.
    String(String),
    /// Any other scalar (integer, float, boolean, date-time).
    Scalar,
}

/// A key of a table and its value.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The key, unquoted.
    pub key: String,
    /// The bytes of the key (in a dotted key or a table header, this segment).
    pub key_span: Range<usize>,
    /// The value.
    pub node: Node,
}

/// Why a document is not valid TOML: the parser's message and the 1-based line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TomlError {
    /// What is wrong.
    pub message: String,
    /// Where, when the parser said.
    pub line: Option<usize>,
}

impl std::fmt::Display for TomlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl TomlFile {
    /// Parses `text`.
    pub fn parse(text: &str) -> Result<Self, TomlError> {
        Self::parse_table(text).map(|(file, _)| file)
    }

    /// Parses `text` into its values (`toml::Table`, or any type to deserialise) and their
    /// spans, with one parse.
    pub fn parse_into<T: serde::de::DeserializeOwned>(text: &str) -> Result<(T, Self), TomlError> {
        let (file, table) = Self::parse_table(text)?;
        let values =
            T::deserialize(toml::de::Deserializer::from(table)).map_err(|e| TomlError {
                message: e.message().trim().to_owned(),
                line: file.error_line(&e),
            })?;
        Ok((values, file))
    }

    /// Parses `text` into its spans and the parsed table itself, for a caller that also
    /// deserialises the table (one parse for both).
    pub fn parse_table(text: &str) -> Result<(Self, toml::Spanned<DeTable<'_>>), TomlError> {
        let line_starts = line_starts(text);
        let table = DeTable::parse(text).map_err(|e| TomlError {
            message: e.message().trim().to_owned(),
            line: e.span().map(|span| line_at(&line_starts, span.start)),
        })?;
        let root = Node {
            span: table.span(),
            value: Value::Table(entries(table.get_ref())),
        };
        Ok((Self { root, line_starts }, table))
    }

    /// The document's top-level table.
    pub fn root(&self) -> &Node {
        &self.root
    }

    /// The 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        line_at(&self.line_starts, offset)
    }

    /// The entry at a path of keys (`["profile", "release", "lto"]`), through tables only.
    pub fn get(&self, path: &[&str]) -> Option<&Entry> {
        let (first, rest) = path.split_first()?;
        let mut entry = self.root.entry(first)?;
        for key in rest {
            entry = entry.node.entry(key)?;
        }
        Some(entry)
    }

    /// The line of the key at the end of `path`.
    pub fn key_line(&self, path: &[&str]) -> Option<usize> {
        self.get(path).map(|entry| self.line(entry.key_span.start))
    }

    /// The line where a node starts (a table's header).
    pub fn node_line(&self, node: &Node) -> usize {
        self.line(node.span.start)
    }

    /// The line of a parse or deserialisation error of this document's text.
    pub fn error_line(&self, error: &toml::de::Error) -> Option<usize> {
        error.span().map(|span| self.line(span.start))
    }
}

impl Node {
    /// The entries of a table (none for other values).
    pub fn entries(&self) -> &[Entry] {
        match &self.value {
            Value::Table(entries) => entries,
            _ => &[],
        }
    }

    /// The entry `key` of a table.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries().iter().find(|e| e.key == key)
    }

    /// The elements of an array (none for other values).
    pub fn elements(&self) -> &[Node] {
        match &self.value {
            Value::Array(nodes) => nodes,
            _ => &[],
        }
    }

    /// The text of a string value.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    /// The string value of `key` of a table.
    pub fn str_of(&self, key: &str) -> Option<&str> {
        self.entry(key).and_then(|e| e.node.as_str())
    }
}

fn entries(table: &DeTable<'_>) -> Vec<Entry> {
    let mut entries: Vec<Entry> = table
        .iter()
        .map(|(key, value)| Entry {
            key: key.get_ref().to_string(),
            key_span: key.span(),
            node: node(value),
        })
        .collect();
    // The parser's map is sorted by key; file order is what "the first declaration" means.
    entries.sort_by_key(|e| e.key_span.start);
    entries
}

fn node(value: &toml::Spanned<DeValue<'_>>) -> Node {
    let span = value.span();
    let value = match value.get_ref() {
        DeValue::Table(table) => Value::Table(entries(table)),
        DeValue::Array(array) => Value::Array(array.iter().map(node).collect()),
        DeValue::String(text) => Value::String(text.to_string()),
        _ => Value::Scalar,
    };
    Node { span, value }
}

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(at, _)| at + 1))
        .collect()
}

fn line_at(line_starts: &[usize], offset: usize) -> usize {
    line_starts.partition_point(|&start| start <= offset).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "version = 4\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n\n\
                        [profile.release]\nlto = true\n\n[target.'cfg(unix)'.dependencies.libc]\n\
                        version = \"0.2\"\n[dependencies]\nserde = \"1\"\nx.workspace = true\n";

    #[test]
    fn keys_and_values_are_located() {
        let file = TomlFile::parse(TEXT).unwrap();
        assert_eq!(file.key_line(&["version"]), Some(1));
        let packages = &file.get(&["package"]).unwrap().node;
        assert_eq!(file.node_line(&packages.elements()[0]), 3);
        assert_eq!(packages.elements()[0].str_of("name"), Some("a"));
        assert_eq!(file.key_line(&["profile", "release", "lto"]), Some(8));
        assert_eq!(file.key_line(&["profile", "release"]), Some(7));
        assert_eq!(
            file.key_line(&["target", "cfg(unix)", "dependencies", "libc"]),
            Some(10)
        );
        assert_eq!(file.key_line(&["dependencies", "x"]), Some(14));
        assert_eq!(file.key_line(&["dependencies", "missing"]), None);
        let keys: Vec<&str> = file
            .root()
            .entries()
            .iter()
            .map(|e| e.key.as_str())
            .collect();
        assert_eq!(
            keys,
            ["version", "package", "profile", "target", "dependencies"]
        );
    }

    #[test]
    fn one_parse_gives_what_toml_from_str_gives() {
        let (table, file) = TomlFile::parse_into::<toml::Table>(TEXT).unwrap();
        assert_eq!(table, toml::from_str::<toml::Table>(TEXT).unwrap());
        assert_eq!(file.key_line(&["dependencies", "x"]), Some(14));
        for bad in ["a = 1\na = 2\n", "[x]\n[x]\n", "a = \n", "a = \"x\" b\n"] {
            let ours = TomlFile::parse_into::<toml::Table>(bad).unwrap_err();
            let theirs = toml::from_str::<toml::Table>(bad).unwrap_err();
            assert_eq!(ours.message, theirs.message().trim(), "{bad:?}");
        }
    }

    #[test]
    fn errors_have_lines() {
        let err = TomlFile::parse("a = 1\n\nb = \n").unwrap_err();
        assert_eq!(err.line, Some(3), "{err}");
        let lines = line_starts("a\nb\nc");
        assert_eq!(line_at(&lines, 0), 1);
        assert_eq!(line_at(&lines, 2), 2);
        assert_eq!(line_at(&lines, 99), 3);
    }
}
