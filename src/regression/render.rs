//! A regression test's result for people (a table and the changes) and for CI (JUnit).

use super::diff::SliceDiff;
use crate::report::TextTable;
use crate::report::escape_markup as escape;

/// How many changes the summary prints without `--all`.
const FIRST_CHANGES: usize = 10;

/// The differences for people: a row per slice, then the changes (the first ones, or
/// `all` of them).
pub fn summary(diffs: &[SliceDiff], all: bool) -> String {
    let mut table = TextTable::new(&[
        ("slice", false),
        ("added", true),
        ("removed", true),
        ("changed", true),
        ("triples +", true),
        ("triples -", true),
        ("scores", false),
    ]);
    for d in diffs {
        let scores: Vec<String> = d
            .scores
            .iter()
            .map(|s| {
                format!(
                    "{} {:.1}% -> {:.1}%{}",
                    s.dimension,
                    s.old * 100.0,
                    s.new * 100.0,
                    if s.regressed { " (below baseline)" } else { "" }
                )
            })
            .collect();
        table.row(vec![
            d.slice.clone(),
            d.added.len().to_string(),
            d.removed.len().to_string(),
            d.changed.len().to_string(),
            d.triples_added.len().to_string(),
            d.triples_removed.len().to_string(),
            if d.missing_expectations {
                "no expectations: run `thinslice test --bless`".to_string()
            } else {
                scores.join("; ")
            },
        ]);
    }
    let mut text = table.render();
    let limit = if all { usize::MAX } else { FIRST_CHANGES };
    let lines = changes(diffs);
    if !lines.is_empty() {
        text.push('\n');
        let shown = lines.len().min(limit);
        for line in &lines[..shown] {
            text.push_str(line);
            text.push('\n');
        }
        if shown < lines.len() {
            text.push_str(&format!(
                "... and {} more; `thinslice test --all` prints every one\n",
                lines.len() - shown
            ));
        }
    }
    let failed = diffs.iter().filter(|d| d.failed()).count();
    text.push_str(&if failed == 0 {
        format!("\nok: {} slice(s) match their expectations\n", diffs.len())
    } else {
        format!(
            "\nFAIL: {failed} of {} slice(s) differ from their expectations; if the change is intended, run `thinslice test --bless` and commit expected/\n",
            diffs.len()
        )
    });
    text
}

/// Every change, a line each, slice by slice.
fn changes(diffs: &[SliceDiff]) -> Vec<String> {
    let mut lines = Vec::new();
    for d in diffs {
        for c in &d.columns_added {
            lines.push(format!("{}: column added: {c}", d.slice));
        }
        for c in &d.columns_removed {
            lines.push(format!("{}: column removed: {c}", d.slice));
        }
        for id in &d.added {
            lines.push(format!("{}: added {id}", d.slice));
        }
        for id in &d.removed {
            lines.push(format!("{}: removed {id}", d.slice));
        }
        for thing in &d.changed {
            let changes: Vec<String> = thing
                .changes
                .iter()
                .map(|(column, old, new)| format!("{column} {old:?} -> {new:?}"))
                .collect();
            lines.push(format!(
                "{}: changed {}: {}",
                d.slice,
                thing.id,
                changes.join(", ")
            ));
        }
        for t in &d.triples_added {
            lines.push(format!("{}: + {t}", d.slice));
        }
        for t in &d.triples_removed {
            lines.push(format!("{}: - {t}", d.slice));
        }
    }
    lines
}

/// One test case per slice: a failure names what differs.
pub fn junit(diffs: &[SliceDiff]) -> String {
    let failed = diffs.iter().filter(|d| d.failed()).count();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(&format!(
        "<testsuite name=\"thinslice regression\" tests=\"{}\" failures=\"{failed}\">\n",
        diffs.len()
    ));
    for d in diffs {
        xml.push_str(&format!(
            "  <testcase classname=\"regression\" name=\"{}\">\n",
            escape(&d.slice)
        ));
        if d.failed() {
            let regressed: Vec<&str> = d
                .scores
                .iter()
                .filter(|s| s.regressed)
                .map(|s| s.dimension.as_str())
                .collect();
            let message = format!(
                "{} added, {} removed, {} changed, {} triples added, {} removed{}{}",
                d.added.len(),
                d.removed.len(),
                d.changed.len(),
                d.triples_added.len(),
                d.triples_removed.len(),
                if regressed.is_empty() {
                    String::new()
                } else {
                    format!("; below baseline: {}", regressed.join(", "))
                },
                if d.missing_expectations {
                    "; no expectations"
                } else {
                    ""
                }
            );
            xml.push_str(&format!(
                "    <failure message=\"{}\"/>\n",
                escape(&message)
            ));
        }
        xml.push_str("  </testcase>\n");
    }
    xml.push_str("</testsuite>\n");
    xml
}
