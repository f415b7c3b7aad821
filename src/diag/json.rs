//! A diagnostic as JSON, for tools that run thinslice with `--format json`: the same facts
//! the text shows (code, message, where, what to do), in fields, never in prose to parse.

use std::sync::LazyLock;

use miette::{Diagnostic, SourceSpan};
use regex::Regex;
use serde_json::{Value, json};

/// The extensions of the files messages name: data, YAML and RDL files.
const EXTENSIONS: &str = "csv|tsv|txt|xlsx|xlsm|xlsb|xls|ods|parquet|pq|yaml|yml|ttl|nt|rdf|owl";

/// A place as messages write it at their start: `file.csv:12`, `book.xlsx:Assets!D17`.
static PLACE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^([^\s:][^:]*?\.(?i:{EXTENSIONS})):(?:(\d+)|('(?:[^']|'')+'|[^!\s:]+)!([A-Z]+)(\d+))"
    ))
    .unwrap_or_else(|_| unreachable!("the place pattern is a valid regex"))
});

/// A file named at the start of a message with no place in it: `nowhere.csv does not exist`,
/// `book.xlsx is not a workbook thinslice can read` (a path with a space is not told from the
/// words around it, and is left out).
static FILE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"^([^\s:]+\.(?i:{EXTENSIONS}))(?:\s|:|$)"))
        .unwrap_or_else(|_| unreachable!("the file pattern is a valid regex"))
});

/// `{ code, message, severity, file, line, column, sheet, cell, label, help, cause,
/// related: [...] }`. Where a diagnostic points into a file (a YAML file, an RDL layer)
/// `file`, `line` and `column` (1-based) say where; a data file's place is read from the
/// start of the message (`file.csv:12`; `book.xlsx:Assets!D17` gives the sheet, the cell and
/// its row as the line). Fields that do not apply are null.
pub fn to_json(diagnostic: &dyn Diagnostic) -> Value {
    let code = diagnostic.code().map(|c| c.to_string());
    let help = diagnostic.help().map(|h| h.to_string());
    let severity = match diagnostic.severity() {
        Some(miette::Severity::Warning) => "warning",
        Some(miette::Severity::Advice) => "advice",
        _ => "error",
    };
    let label = diagnostic.labels().and_then(|mut labels| labels.next());
    let (mut file, mut line, mut column) = (Value::Null, Value::Null, Value::Null);
    if let (Some(label), Some(source)) = (&label, diagnostic.source_code()) {
        let span = SourceSpan::new(label.offset().into(), 0);
        if let Ok(contents) = source.read_span(&span, 0, 0) {
            file = contents.name().map_or(Value::Null, |n| json!(n));
            line = json!(contents.line() + 1);
            column = json!(contents.column() + 1);
        }
    }
    let message = super::with_causes(diagnostic);
    let (mut sheet, mut cell) = (Value::Null, Value::Null);
    // The place, when not pointed at: at the start of the message or of a cause under it.
    let mut causes = Vec::new();
    let mut cause: Option<&dyn std::error::Error> = diagnostic.source();
    while let Some(next) = cause {
        causes.push(next.to_string());
        cause = next.source();
    }
    let placed = std::iter::once(&message)
        .chain(&causes)
        .find_map(|text| PLACE.captures(text));
    if file.is_null()
        && let Some(place) = placed
    {
        file = json!(&place[1]);
        match (place.get(2), place.get(3), place.get(4), place.get(5)) {
            (Some(at), ..) => line = json!(at.as_str().parse::<u64>().ok()),
            (None, Some(name), Some(letters), Some(row)) => {
                let name = name.as_str();
                let name = match name.strip_prefix('\'').and_then(|n| n.strip_suffix('\'')) {
                    Some(quoted) => quoted.replace("''", "'"),
                    None => name.to_string(),
                };
                sheet = json!(name);
                cell = json!(format!("{}{}", letters.as_str(), row.as_str()));
                line = json!(row.as_str().parse::<u64>().ok());
            }
            _ => {}
        }
    }
    if file.is_null()
        && let Some(named) = std::iter::once(&message)
            .chain(&causes)
            .find_map(|text| FILE.captures(text))
    {
        file = json!(&named[1]);
    }
    let related: Vec<Value> = diagnostic
        .related()
        .map(|related| related.map(to_json).collect())
        .unwrap_or_default();
    let cause = diagnostic.diagnostic_source().map_or(Value::Null, to_json);
    json!({
        "code": code,
        "message": message,
        "severity": severity,
        "file": file,
        "line": line,
        "column": column,
        "sheet": sheet,
        "cell": cell,
        "label": label.and_then(|l| l.label().map(str::to_string)),
        "help": help,
        "cause": cause,
        "related": related,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_at_the_start_of_a_message_are_read() {
        let at = |m: &str| {
            PLACE.captures(m).map(|c| {
                (
                    c[1].to_string(),
                    c.get(2).map(|l| l.as_str().to_string()),
                    c.get(3).map(|s| s.as_str().to_string()),
                )
            })
        };
        assert_eq!(
            at("data/s.csv:12: this row has 8 fields"),
            Some(("data/s.csv".into(), Some("12".into()), None))
        );
        assert_eq!(
            at("b.xlsx:'Site list'!D4: blank"),
            Some(("b.xlsx".into(), None, Some("'Site list'".into())))
        );
        assert_eq!(at("cannot read source `x` from s.csv"), None);
        let named = |m: &str| FILE.captures(m).map(|c| c[1].to_string());
        assert_eq!(
            named("nowhere.csv does not exist").as_deref(),
            Some("nowhere.csv")
        );
        assert_eq!(named("data/b c.xlsx is not a workbook").as_deref(), None);
        assert_eq!(named("cannot draft from fake.xlsx"), None);
    }
}
