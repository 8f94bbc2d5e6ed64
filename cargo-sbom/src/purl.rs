//! Package URLs of the `cargo` type (purl-spec `pkg:cargo/NAME@VERSION`).
//!
//! crates.io needs no qualifier; another registry is named by `repository_url`; a git crate by
//! `vcs_url=git+URL@COMMIT`; a path crate by `download_url=file:RELATIVE/PATH`, relative to the
//! workspace root so that no host path is ever written and so that a path crate never shares a
//! purl with the crates.io crate of the same name and version.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Characters kept as they are in purl names, versions and qualifier values (purl-spec: the
/// unreserved set plus `:` and `/` in qualifier values, which need no encoding there).
const PURL_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
const PURL_QUALIFIER_VALUE: &AsciiSet = &PURL_COMPONENT.remove(b':').remove(b'/');

/// Where a crate comes from, as far as its purl is concerned.
#[derive(Clone, Copy, Debug)]
pub enum PurlSource<'a> {
    /// The crates.io registry.
    CratesIo,
    /// Another registry, by its index URL (without the `registry+`/`sparse+` prefix).
    Registry(&'a str),
    /// A git repository at a commit.
    Git {
        /// The repository URL.
        url: &'a str,
        /// The full commit id.
        commit: &'a str,
    },
    /// A local path, relative to the workspace root (`.` for the root itself).
    Path(&'a str),
}

/// Builds the purl of a cargo package.
pub fn cargo_purl(name: &str, version: &str, source: PurlSource<'_>) -> String {
    let mut purl = format!(
        "pkg:cargo/{}@{}",
        utf8_percent_encode(name, PURL_COMPONENT),
        utf8_percent_encode(version, PURL_COMPONENT)
    );
    let qualifier = match source {
        PurlSource::CratesIo => None,
        PurlSource::Registry(url) => Some(("repository_url", url.to_owned())),
        PurlSource::Git { url, commit } => Some(("vcs_url", format!("git+{url}@{commit}"))),
        PurlSource::Path(path) => Some(("download_url", format!("file:{path}"))),
    };
    if let Some((key, value)) = qualifier {
        purl.push('?');
        purl.push_str(key);
        purl.push('=');
        purl.extend(utf8_percent_encode(&value, PURL_QUALIFIER_VALUE));
    }
    purl
}

/// The purl of a workspace described as a whole: `pkg:generic/NAME@VERSION`, with the
/// members' shared repository as `vcs_url` when there is one.
pub fn workspace_purl(name: &str, version: &str, repository: Option<&str>) -> String {
    let mut purl = format!(
        "pkg:generic/{}@{}",
        utf8_percent_encode(name, PURL_COMPONENT),
        utf8_percent_encode(version, PURL_COMPONENT)
    );
    if let Some(url) = repository {
        purl.push_str("?vcs_url=");
        purl.extend(utf8_percent_encode(url, PURL_QUALIFIER_VALUE));
    }
    purl
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crates_io_has_no_qualifier() {
        assert_eq!(
            cargo_purl("serde", "1.0.200", PurlSource::CratesIo),
            "pkg:cargo/serde@1.0.200"
        );
        assert_eq!(
            cargo_purl("a", "1.0.0+build.5", PurlSource::CratesIo),
            "pkg:cargo/a@1.0.0%2Bbuild.5"
        );
    }

    #[test]
    fn other_sources_are_qualified() {
        assert_eq!(
            cargo_purl(
                "x",
                "0.1.0",
                PurlSource::Registry("https://my.example/index")
            ),
            "pkg:cargo/x@0.1.0?repository_url=https://my.example/index"
        );
        assert_eq!(
            cargo_purl(
                "x",
                "0.1.0",
                PurlSource::Git {
                    url: "https://github.com/o/r",
                    commit: "abc123"
                }
            ),
            "pkg:cargo/x@0.1.0?vcs_url=git%2Bhttps://github.com/o/r%40abc123"
        );
        assert_eq!(
            cargo_purl("x", "0.1.0", PurlSource::Path("../other dir/x")),
            "pkg:cargo/x@0.1.0?download_url=file:../other%20dir/x"
        );
    }
}
