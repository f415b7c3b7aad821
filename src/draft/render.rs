//! The drafted files as a person edits them: plain YAML in the README's style, every guess
//! with a comment saying why and how sure, what was left unmapped listed at the end.

use std::fmt::Write;

use super::matching::CodeMatch;
use super::plan::{ClassDraft, PropertyDraft, SliceDraft};
use super::values::Distinct;

/// The namespace drafted identifiers are minted in, until the person names their own.
pub(super) const THING_NAMESPACE: &str = "https://data.example.org/";

/// A text as a YAML double-quoted scalar (JSON's escapes are YAML's), with what YAML does
/// not take as printable (C1 controls, DEL, line and byte-order marks) escaped too.
pub(super) fn quote(text: &str) -> String {
    let json =
        serde_json::to_string(text).unwrap_or_else(|_| format!("\"{}\"", text.escape_default()));
    json.chars()
        .map(|c| match printable(c) {
            true => c.to_string(),
            false => format!("\\u{:04X}", u32::from(c)),
        })
        .collect()
}

/// Whether YAML reads a character as itself inside a comment or a scalar: not a control
/// character, a line or paragraph separator, or a non-character.
fn printable(c: char) -> bool {
    !(c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{FEFF}' | '\u{FFFE}' | '\u{FFFF}'
        ))
}

/// A text made safe for a comment: a line break or control character in a header, a value
/// or a path is shown escaped, never written (it would end the comment, and what followed
/// would be read as YAML).
pub(super) fn comment(text: &str) -> String {
    text.chars()
        .map(|c| match printable(c) {
            true => c.to_string(),
            false => c.escape_default().to_string(),
        })
        .collect()
}

/// A name as a plain YAML scalar when it is safe as one (`Pump`, `ies:Pump`), else quoted.
pub(super) fn plain(name: &str) -> String {
    let safe = name.chars().next().is_some_and(char::is_alphabetic)
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | '/'))
        && !name.ends_with(':');
    match safe {
        true => name.to_string(),
        false => quote(name),
    }
}

/// The identifier template of a slice's things: its key column, or its row number.
pub(super) fn id_template(slice: &str, column: Option<&str>) -> String {
    let field = column.unwrap_or("_row");
    format!("{THING_NAMESPACE}{slice}/{{{field}}}")
}

/// `slices/NAME.yaml`.
pub(super) fn slice_file(draft: &SliceDraft) -> String {
    let mut text = format!(
        "# Drafted by `thinslice init` from {}: every column, every row of data.\n",
        comment(&draft.place)
    );
    let _ = writeln!(text, "source: {}", plain(&draft.source));
    // Rows that are no things: a row of units under the header, a row of totals.
    let mut left_out: Vec<(String, String)> = Vec::new();
    if let Some(row) = &draft.units_row {
        left_out.push((
            row.leave_out.clone(),
            format!("the row of units at {}", row.at),
        ));
    }
    if let Some((at, condition)) = &draft.total_row {
        left_out.push((condition.clone(), format!("the row of totals at {at}")));
    }
    if !left_out.is_empty() {
        let conditions: Vec<String> = match left_out.len() {
            1 => left_out.iter().map(|(c, _)| c.clone()).collect(),
            _ => left_out.iter().map(|(c, _)| format!("({c})")).collect(),
        };
        let whats: Vec<&str> = left_out.iter().map(|(_, w)| w.as_str()).collect();
        let _ = writeln!(
            text,
            "where: {}   # {} no thing: left out",
            quote(&conditions.join(" AND ")),
            comment(&format!(
                "{} {}",
                whats.join(" and "),
                if whats.len() > 1 { "are" } else { "is" }
            ))
        );
    }
    let columns: Vec<String> = draft
        .sample
        .columns
        .iter()
        .map(|c| quote(&c.name))
        .collect();
    let _ = writeln!(text, "columns: [{}]", columns.join(", "));
    match &draft.key {
        Some((key, why)) => {
            let _ = writeln!(text, "key: {}   # {}", quote(key), comment(why));
        }
        None => text.push_str(
            "# No key: no column is unique and complete, so things are numbered by row ({_row}).\n",
        ),
    }
    if let Some((column, why)) = &draft.near_key {
        let _ = writeln!(
            text,
            "# {} is nearly a key ({}): fix those rows, then key on it and use {{{}}} in the mapping's id.",
            quote(column),
            comment(why),
            comment(column)
        );
    }
    text
}

/// `mappings/NAME.yaml`.
pub(super) fn mapping_file(draft: &SliceDraft) -> String {
    let mut text = format!(
        "# Drafted by `thinslice init` from {} ({} rows read): edit what the comments doubt.\n",
        comment(&draft.place),
        draft.sample.rows
    );
    let _ = writeln!(text, "slice: {}", plain(&draft.name));
    class(&mut text, draft);
    let key = draft.key.as_ref().map(|k| k.0.as_str());
    let _ = writeln!(
        text,
        "id: {}   # your organisation's namespace goes here",
        quote(&id_template(&draft.name, key))
    );
    if let Some(label) = &draft.label {
        let _ = writeln!(text, "label: {}", quote(&format!("{{{label}}}")));
    }
    if !draft.properties.is_empty() {
        text.push_str("properties:\n");
        for property in &draft.properties {
            property_rule(&mut text, draft, property);
        }
    }
    if !draft.links.is_empty() {
        text.push_str("links:\n");
        for link in &draft.links {
            let id = id_template(&link.target, Some(&link.column));
            let _ = writeln!(
                text,
                "  {}: {{ slice: {}, id: {} }}\n    # {}",
                plain(&link.property),
                plain(&link.target),
                quote(&id),
                comment(&link.why)
            );
        }
    }
    if !draft.left.is_empty() {
        text.push_str("\n# Left unmapped:\n");
        for (column, why) in &draft.left {
            let _ = writeln!(text, "#   {}: {}", quote(column), comment(why));
        }
    }
    text
}

fn class(text: &mut String, draft: &SliceDraft) {
    match &draft.class {
        ClassDraft::Fixed { class, why } => {
            let _ = writeln!(text, "class: {}   # {}", plain(class), comment(why));
        }
        ClassDraft::Codes {
            column,
            matched,
            unmatched,
            fallback,
        } => {
            let total: usize = matched.iter().map(|m| m.rows).sum::<usize>()
                + unmatched.iter().map(|u| u.count).sum::<usize>();
            let _ = writeln!(
                text,
                "class:\n  from: {}   # {} of {} codes name RDL classes",
                quote(column),
                matched.len(),
                matched.len() + unmatched.len(),
            );
            value_map(text, matched, "  ", |m| {
                format!("{} of {}", m.rows, rows(total))
            });
            match fallback {
                Some((class, why)) => {
                    let _ = writeln!(text, "  unmapped: {}   # {}", plain(class), comment(why));
                }
                None => text.push_str(
                    "  unmapped: quarantine   # rows with another code wait in the quarantine\n",
                ),
            }
            left_codes(text, draft, column, unmatched, "  ");
        }
    }
}

fn property_rule(text: &mut String, draft: &SliceDraft, rule: &PropertyDraft) {
    let mut fields = vec![format!("from: {}", quote(&rule.column))];
    fields.extend(rule.options.iter().map(|(k, v)| format!("{k}: {v}")));
    match &rule.codes {
        Some((matched, _)) if !matched.is_empty() => {
            let _ = writeln!(text, "  {}:", plain(&rule.property));
            for field in &fields {
                let _ = writeln!(text, "    {field}");
            }
            value_map(text, matched, "    ", |m| rows(m.rows));
        }
        _ => {
            let _ = writeln!(
                text,
                "  {}: {{ {} }}",
                plain(&rule.property),
                fields.join(", ")
            );
        }
    }
    for why in &rule.why {
        let _ = writeln!(text, "    # {}", comment(why));
    }
    if let Some((_, unmatched)) = &rule.codes {
        left_codes(text, draft, &rule.column, unmatched, "    ");
    }
}

/// `values:`, a code a line, each with why and how many rows have it.
fn value_map(
    text: &mut String,
    matched: &[CodeMatch],
    indent: &str,
    count: impl Fn(&CodeMatch) -> String,
) {
    let _ = writeln!(text, "{indent}values:");
    for m in matched {
        let _ = writeln!(
            text,
            "{indent}  {}: {}   # {}; {}",
            quote(&m.code),
            plain(&m.term),
            comment(&m.why),
            count(m)
        );
    }
}

/// `# codes left: PMPX (1 row, first at Assets!B68)`.
fn left_codes(
    text: &mut String,
    draft: &SliceDraft,
    column: &str,
    unmatched: &[Distinct],
    indent: &str,
) {
    if unmatched.is_empty() {
        return;
    }
    let listed: Vec<String> = unmatched
        .iter()
        .take(10)
        .map(|u| {
            format!(
                "{} ({}, first at {})",
                quote(&u.text),
                rows(u.count),
                draft.sample.at(u.first_row, column)
            )
        })
        .collect();
    let more = match unmatched.len() {
        n if n > 10 => format!(" and {} more", n - 10),
        _ => String::new(),
    };
    let _ = writeln!(
        text,
        "{indent}# codes left unmatched: {}{more}",
        comment(&listed.join(", "))
    );
}

/// `1 row`, `12 rows`.
pub(super) fn rows(n: usize) -> String {
    match n {
        1 => "1 row".to_string(),
        n => format!("{n} rows"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_from_the_data_cannot_break_out_of_a_comment_or_a_scalar() {
        assert_eq!(
            comment("Rated power\n(kW)\u{1a}"),
            "Rated power\\n(kW)\\u{1a}"
        );
        assert_eq!(quote("a\u{85}b\u{2028}\"c"), "\"a\\u0085b\\u2028\\\"c\"");
        assert_eq!(plain("Pump"), "Pump");
        assert_eq!(plain("in service"), "\"in service\"");
    }
}
