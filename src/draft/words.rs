//! How close a column's header is to an RDL term's name, and whether a code (`PMP`, `WTW`,
//! `OOS`) abbreviates a term's label. Plain rules a person can check from the comment that
//! says which one matched.

/// Abbreviations registers use in headers, and the word they stand for.
const SYNONYMS: &[(&str, &str)] = &[
    ("id", "identifier"),
    ("ident", "identifier"),
    ("ref", "reference"),
    ("no", "number"),
    ("nr", "number"),
    ("num", "number"),
    ("desc", "description"),
    ("descr", "description"),
    ("dia", "diameter"),
    ("diam", "diameter"),
    ("dn", "diameter"),
    ("qty", "quantity"),
    ("addr", "address"),
    ("temp", "temperature"),
    ("cap", "capacity"),
    ("volt", "voltage"),
    ("mfr", "manufacturer"),
    ("manuf", "manufacturer"),
    ("lat", "latitude"),
    ("lon", "longitude"),
    ("lng", "longitude"),
    ("elev", "elevation"),
    ("dt", "date"),
    ("yr", "year"),
    ("status", "state"),
    ("condition", "state"),
    ("commissioned", "commissioning"),
    ("installed", "installation"),
];

/// The longest text read as a code.
const MAX_CODE_CHARS: usize = 100;

/// Words that carry no meaning of their own in a name.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "at", "by", "for", "in", "of", "on", "the", "to",
];

/// A name's words: split at spaces, punctuation and camelCase, lower case.
pub(super) fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            previous_lower = false;
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            continue;
        }
        if c.is_uppercase() && previous_lower && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        word.extend(c.to_lowercase());
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// A name's meaningful words, abbreviations written out: what names are compared by.
pub(super) fn tokens(name: &str) -> Vec<String> {
    words(name)
        .into_iter()
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .map(|w| {
            SYNONYMS
                .iter()
                .find(|(short, _)| *short == w)
                .map_or(w, |(_, long)| long.to_string())
        })
        .collect()
}

/// Whether two words are one: equal, or sharing a stem (`install`ed, `install`ation).
pub(super) fn same_word(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let common = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    let shorter = a.chars().count().min(b.chars().count());
    common >= 4 && common * 5 >= shorter * 4
}

/// How close two names are, 0 to 1: the share of words both hold (Dice's coefficient).
pub(super) fn name_score(header: &[String], term: &[String]) -> f64 {
    if header.is_empty() || term.is_empty() {
        return 0.0;
    }
    let shared = header
        .iter()
        .filter(|h| term.iter().any(|t| same_word(h, t)))
        .count();
    2.0 * shared as f64 / (header.len() + term.len()) as f64
}

/// A code's letters and digits, lower case: `Pmp-1` is `pmp1`.
pub(super) fn compact(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether a code abbreviates a label, how surely (0 to 1), and how, for the comment.
pub(super) fn code_match(code: &str, label: &str) -> Option<(f64, String)> {
    // A long text is no code (and YAML takes no key past 1,024 characters).
    if code.chars().count() > MAX_CODE_CHARS {
        return None;
    }
    let c = compact(code);
    let whole = compact(label);
    if c.is_empty() || whole.is_empty() {
        return None;
    }
    if c == whole {
        return Some((1.0, format!("is `{label}`")));
    }
    // Codes with digits (`S007`) name things, not kinds.
    if c.chars().any(|ch| ch.is_ascii_digit()) || c.chars().count() < 2 {
        return None;
    }
    let all = words(label);
    let initials =
        |ws: &[String]| -> String { ws.iter().filter_map(|w| w.chars().next()).collect() };
    let meaningful: Vec<String> = all
        .iter()
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .cloned()
        .collect();
    if all.len() > 1 && (c == initials(&all) || c == initials(&meaningful)) {
        return Some((0.9, format!("the initials of `{label}`")));
    }
    if c.chars().count() >= 3 && whole.starts_with(&c) {
        return Some((0.85, format!("the start of `{label}`")));
    }
    if first_and_in_order(&c, &whole) {
        return Some((0.75, format!("letters of `{label}`, in order")));
    }
    let word = all
        .iter()
        .filter(|w| w.chars().count() >= 3)
        .find(|w| first_and_in_order(&c, w))?;
    Some((0.6, format!("letters of `{word}` in `{label}`")))
}

/// Whether `short`'s letters appear in `long` in order, starting with its first letter.
fn first_and_in_order(short: &str, long: &str) -> bool {
    if short.chars().next() != long.chars().next() {
        return false;
    }
    let mut rest = long.chars();
    short.chars().all(|c| rest.any(|l| l == c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_split_into_meaningful_words() {
        assert_eq!(tokens("Asset ID"), vec!["asset", "identifier"]);
        assert_eq!(tokens("ratedPower"), vec!["rated", "power"]);
        assert_eq!(tokens("backup_hours"), vec!["backup", "hours"]);
        assert_eq!(words("out of service"), vec!["out", "of", "service"]);
    }

    #[test]
    fn stems_and_synonyms_make_names_close() {
        let score = |a: &str, b: &str| name_score(&tokens(a), &tokens(b));
        assert!(score("Installed", "installation date") >= 0.5);
        assert!(score("Status", "operational state") >= 0.5);
        assert!(score("Asset ID", "asset identifier") > 0.99);
        assert!(score("Feeder", "fed by") < 0.5);
        assert!(score("Name", "number") < 0.5);
    }

    #[test]
    fn codes_abbreviate_labels() {
        let sure = |code: &str, label: &str| code_match(code, label).map(|m| m.0);
        assert_eq!(sure("PUMP", "pump"), Some(1.0));
        assert_eq!(sure("WTW", "water treatment works"), Some(0.9));
        assert_eq!(sure("OOS", "out of service"), Some(0.9));
        assert_eq!(sure("SEC", "secondary substation"), Some(0.85));
        assert_eq!(sure("PMP", "pump"), Some(0.75));
        assert_eq!(sure("MN", "water main"), Some(0.6));
        assert_eq!(sure("PMPX", "pump"), None);
        assert_eq!(sure("S007", "site"), None);
        assert_eq!(sure("Demolished", "decommissioned"), None);
        assert_eq!(sure(&"pump".repeat(30), &"pump".repeat(30)), None);
    }
}
