//! IRIs checked on the way into RDF. Every thing's identifier and every link's target is
//! checked to be an IRI before it is written (a bad one would make the file unreadable), and
//! a large slice has millions of them. Most are plain `http(s)://host/path` IRIs of ASCII
//! characters that RFC 3987 allows anywhere in a path: those are taken after one pass over
//! their bytes; anything else (a port, a query, a fragment, non-ASCII, another scheme) is
//! parsed by oxiri.

use oxrdf::NamedNodeRef;

/// `value` as an IRI, or None when it is not one.
pub fn iri(value: &str) -> Option<NamedNodeRef<'_>> {
    if plainly_an_iri(value) {
        return Some(NamedNodeRef::new_unchecked(value));
    }
    NamedNodeRef::new(value).ok()
}

/// Whether `value` is `http://` or `https://`, a host of letters, digits, dots and hyphens,
/// and a path of characters a path segment allows (unreserved, sub-delimiters, `:`, `@`,
/// `/`, and `%` with two hex digits): always an IRI. False says nothing.
fn plainly_an_iri(value: &str) -> bool {
    let Some(rest) = (value.strip_prefix("https://")).or_else(|| value.strip_prefix("http://"))
    else {
        return false;
    };
    let bytes = rest.as_bytes();
    let host_end = bytes.iter().position(|b| *b == b'/').unwrap_or(bytes.len());
    let host = &bytes[..host_end];
    if host.is_empty()
        || !host
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'))
    {
        return false;
    }
    let path = &bytes[host_end..];
    let mut at = 0;
    while at < path.len() {
        let b = path[at];
        if b == b'%' {
            let hex = |i: usize| path.get(i).is_some_and(u8::is_ascii_hexdigit);
            if !(hex(at + 1) && hex(at + 2)) {
                return false;
            }
            at += 3;
            continue;
        }
        let allowed = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b':'
                    | b'@'
                    | b'/'
            );
        if !allowed {
            return false;
        }
        at += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_iris_are_taken_and_everything_else_is_parsed() {
        for plain in [
            "https://data.example.org/water/asset/WA-0001",
            "http://x.org",
            "https://x.org/a%20b/c:d@e/(f)*+,;=!$&'~",
        ] {
            assert!(plainly_an_iri(plain), "{plain}");
            assert!(iri(plain).is_some());
        }
        // Not plain, but IRIs all the same: oxiri says so.
        for parsed in [
            "https://x.org:8080/a",
            "https://x.org/a?b#c",
            "urn:x:1",
            "https://x.org/Müller",
        ] {
            assert!(!plainly_an_iri(parsed), "{parsed}");
            assert!(iri(parsed).is_some(), "{parsed}");
        }
        for bad in [
            "https://x.org/a b",
            "https://x.org/a>b",
            "https://x.org/%zz",
            "no iri",
            "",
        ] {
            assert!(iri(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn whatever_the_fast_path_takes_oxiri_takes() {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let alphabet: Vec<char> = "ab0Z-._~!$&'()*+,;=:@/%?#[] <>\"{}|\\^`é1F"
            .chars()
            .collect();
        for _ in 0..50_000 {
            let len = (next() % 16) as usize;
            let tail: String = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let value = format!("https://{tail}");
            if plainly_an_iri(&value) {
                assert!(NamedNodeRef::new(&value).is_ok(), "{value:?}");
            }
        }
    }
}
