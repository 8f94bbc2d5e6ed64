//! People as cargo's `authors` entries name them.
//!
//! The manifest format asks for `Name <email>`, but crates.io carries every variant: a URL in
//! the brackets (`Anton Lazarev <https://antonok.com>`), several people in one string
//! (`A <a@x.org>, B <b@y.org>`), a bare address, a stray bracket, npm's `Name <email> (url)`,
//! obfuscated addresses (`name at example dot org`). An e-mail address is only ever written
//! where it is one: CycloneDX validates `email` as `idn-email`.

/// A person as an `authors` entry names one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    /// The name (the e-mail address or URL when the entry gives no name).
    pub name: String,
    /// The e-mail address, when the entry gives a real one.
    pub email: Option<String>,
    /// A web address of the person, when the entry gives one.
    pub url: Option<String>,
}

impl Person {
    /// Every person one `authors` entry names, in order.
    pub fn parse_all(text: &str) -> Vec<Self> {
        let mut people = Vec::new();
        let mut rest = text;
        // Each `<…>` group closes one person: the text before it is the name.
        while let Some(open) = rest.find('<') {
            let name = rest[..open].trim_matches(separator);
            let after = &rest[open + 1..];
            let (inner, tail) = match after.find('>') {
                Some(close) => (&after[..close], &after[close + 1..]),
                // A stray `<` without its `>`: the rest is the address.
                None => (after, ""),
            };
            // A name holding a comma before a bracketed address may itself be a list of
            // names without addresses: `A, B <b@x.org>`.
            let mut names: Vec<&str> = name.split([',', ';']).map(str::trim).collect();
            let last = names.pop().unwrap_or("");
            people.extend(names.into_iter().filter_map(|n| Self::from_parts(n, "")));
            let (tail, url) = trailing_url(tail);
            if let Some(mut person) = Self::from_parts(last, inner) {
                if person.url.is_none() {
                    person.url = url;
                }
                people.push(person);
            }
            rest = tail;
        }
        for piece in rest.split([',', ';']) {
            people.extend(Self::from_parts(piece.trim_matches(separator), ""));
        }
        people
    }

    /// A person from a name and the text of its brackets (either may be empty).
    fn from_parts(name: &str, bracketed: &str) -> Option<Self> {
        let name = name.trim_matches(separator).trim_end_matches('>').trim();
        let bracketed = bracketed.trim();
        // A name that is itself an address (`jane@example.org`, `Jane jane@example.org`).
        let (name, mut address, mut url) = match name.rsplit_once(char::is_whitespace) {
            _ if bracketed.is_empty() && email(name).is_some() => ("", email(name), None),
            Some((head, tail)) if bracketed.is_empty() && email(tail).is_some() => {
                (head.trim(), email(tail), None)
            }
            _ => (name, None, None),
        };
        if address.is_none() && !bracketed.is_empty() {
            if let Some(found) = email(bracketed) {
                address = Some(found);
            } else if is_web_url(bracketed) {
                url = Some(bracketed.to_owned());
            }
        }
        let name = if !name.is_empty() {
            name.to_owned()
        } else if let Some(fallback) = address.clone().or_else(|| url.clone()) {
            fallback
        } else if !bracketed.is_empty() {
            // `<someone at example dot org>`: keep the words, as a name.
            bracketed.to_owned()
        } else {
            return None;
        };
        Some(Self {
            name: name.split_whitespace().collect::<Vec<_>>().join(" "),
            email: address,
            url,
        })
    }
}

fn separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, ',' | ';')
}

/// npm's `(url)` after the brackets; returns the rest and the URL.
fn trailing_url(tail: &str) -> (&str, Option<String>) {
    let trimmed = tail.trim_start();
    if let Some(inner) = trimmed.strip_prefix('(')
        && let Some(close) = inner.find(')')
        && is_web_url(inner[..close].trim())
    {
        return (&inner[close + 1..], Some(inner[..close].trim().to_owned()));
    }
    (tail, None)
}

/// The address when `text` is one e-mail address (`mailto:` allowed): one `@`, a local part
/// and a dotted domain, nothing that cannot appear in an unquoted address.
pub fn email(text: &str) -> Option<String> {
    let text = text.trim();
    let text = text.strip_prefix("mailto:").unwrap_or(text);
    let (local, domain) = text.split_once('@')?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && domain.len() <= 253
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    (local_ok && domain_ok).then(|| text.to_owned())
}

/// Whether `text` is an `http(s)://` URL with a host and no spaces.
pub fn is_web_url(text: &str) -> bool {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"));
    rest.is_some_and(|r| {
        !r.is_empty()
            && !r.starts_with('/')
            && !text
                .chars()
                .any(|c| c.is_whitespace() || c == '<' || c == '>')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(name: &str, email: Option<&str>, url: Option<&str>) -> Person {
        Person {
            name: name.into(),
            email: email.map(Into::into),
            url: url.map(Into::into),
        }
    }

    /// Entries as crates.io carries them.
    #[test]
    fn parses_the_authors_crates_io_carries() {
        let table: &[(&str, &[Person])] = &[
            (
                "Jane Doe <jane@example.org>",
                &[person("Jane Doe", Some("jane@example.org"), None)],
            ),
            (
                "Anton Lazarev <https://antonok.com>",
                &[person("Anton Lazarev", None, Some("https://antonok.com"))],
            ),
            (
                "Harry Fei <tiziyuanfang@gmail.com>, Jacob Kiesel <jake@bitcrafters.co>",
                &[
                    person("Harry Fei", Some("tiziyuanfang@gmail.com"), None),
                    person("Jacob Kiesel", Some("jake@bitcrafters.co"), None),
                ],
            ),
            (
                "The Rust Project Developers",
                &[person("The Rust Project Developers", None, None)],
            ),
            ("<a@b.co>", &[person("a@b.co", Some("a@b.co"), None)]),
            (
                "jane@example.org",
                &[person("jane@example.org", Some("jane@example.org"), None)],
            ),
            (
                "Jane Doe jane@example.org",
                &[person("Jane Doe", Some("jane@example.org"), None)],
            ),
            (
                "Jane Doe <jane@example.org",
                &[person("Jane Doe", Some("jane@example.org"), None)],
            ),
            (
                "Jane Doe jane@example.org>",
                &[person("Jane Doe", Some("jane@example.org"), None)],
            ),
            ("Jane <>", &[person("Jane", None, None)]),
            (
                "Jane <jane at example dot org>",
                &[person("Jane", None, None)],
            ),
            (
                "<jane at example dot org>",
                &[person("jane at example dot org", None, None)],
            ),
            (
                "Jane <mailto:jane@example.org>",
                &[person("Jane", Some("jane@example.org"), None)],
            ),
            (
                "Jane <jane@example.org> (https://jane.dev)",
                &[person(
                    "Jane",
                    Some("jane@example.org"),
                    Some("https://jane.dev"),
                )],
            ),
            (
                "Alice, Bob <bob@example.org>",
                &[
                    person("Alice", None, None),
                    person("Bob", Some("bob@example.org"), None),
                ],
            ),
            (
                "Alice; Bob",
                &[person("Alice", None, None), person("Bob", None, None)],
            ),
            ("Jane <localhost>", &[person("Jane", None, None)]),
            ("Jane <j@localhost>", &[person("Jane", None, None)]),
            ("  ", &[]),
            ("<>", &[]),
        ];
        for (text, expected) in table {
            assert_eq!(&Person::parse_all(text), expected, "{text}");
        }
    }

    #[test]
    fn emails_and_urls() {
        assert!(email("a.b+c@example.co.uk").is_some());
        for bad in [
            "https://antonok.com",
            "a@b",
            "a b@c.d",
            "@c.d",
            "a@.d",
            "a@b..c",
            "a,b@c.d>",
        ] {
            assert_eq!(email(bad), None, "{bad}");
        }
        assert!(is_web_url("https://antonok.com"));
        assert!(!is_web_url("https://"));
        assert!(!is_web_url("ftp://x.y"));
    }
}
