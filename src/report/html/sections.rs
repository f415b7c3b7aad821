//! The page's sections after the verdict. Each table has fixed column widths and wraps long
//! values (identifiers, cells), so it fits the page; on a narrow screen each row becomes a
//! card whose cells are labelled with their column's name.

use std::fmt::Write;

use super::super::conformance::{DimensionScore, Report, SliceReport};
use super::escape;
use super::scale::Scale;
use crate::checks::digitalisation::ColumnLevel;
use crate::quality::{Dimension, Level, Status};

/// A table of fixed columns: its class, and each column's name, width (percent) and whether
/// it holds numbers.
struct Table {
    class: &'static str,
    columns: &'static [(&'static str, u8, bool)],
}

const ROWS: Table = Table {
    class: "t-rows",
    columns: &[
        ("slice", 30, false),
        ("read", 14, true),
        ("in slice", 14, true),
        ("outside", 14, true),
        ("things", 14, true),
        ("quarantined", 14, true),
    ],
};

const REASONS: Table = Table {
    class: "t-reasons",
    columns: &[
        ("slice", 20, false),
        ("reason", 46, false),
        ("rows", 9, true),
        ("first at", 25, false),
    ],
};

const QUARANTINED: Table = Table {
    class: "t-quarantined",
    columns: &[
        ("slice", 20, false),
        ("where", 30, false),
        ("reason", 50, false),
    ],
};

const CODES: Table = Table {
    class: "t-codes",
    columns: &[
        ("slice", 18, false),
        ("property", 14, false),
        ("column", 14, false),
        ("code", 17, false),
        ("count", 8, true),
        ("first at", 29, false),
    ],
};

const MATCHED: Table = Table {
    class: "t-matched",
    columns: &[
        ("slice", 20, false),
        ("property", 15, false),
        ("pattern", 20, false),
        ("code", 35, false),
        ("count", 10, true),
    ],
};

const FAILURES: Table = Table {
    class: "t-failures",
    columns: &[
        ("slice", 14, false),
        ("dimension", 11, false),
        ("property", 13, false),
        ("value", 20, false),
        ("rule", 20, false),
        ("where", 22, false),
    ],
};

const LEVELS: Table = Table {
    class: "t-levels",
    columns: &[
        ("slice or source", 30, false),
        ("columns", 44, false),
        ("syntactic / implicit / explicit / grounded", 26, true),
    ],
};

const TABLES: [&Table; 7] = [
    &ROWS,
    &REASONS,
    &QUARANTINED,
    &CODES,
    &MATCHED,
    &FAILURES,
    &LEVELS,
];

/// The levels a source can reach, lowest first, with their colours.
const LEVEL_COLOURS: [(Level, &str); 4] = [
    (Level::Syntactic, "#c9ced6"),
    (Level::Implicit, "#f2b84b"),
    (Level::Explicit, "#7cb7e8"),
    (Level::Grounded, "#3f9c5a"),
];

/// The labels a card's cells carry on a narrow screen: each column's name (the first cell
/// heads the card, unlabelled).
pub(super) fn card_labels() -> String {
    let mut css = String::from(
        "@media (max-width:640px){table.cards td[data-label]::before{content:attr(data-label)}",
    );
    for table in TABLES {
        for (i, (name, _, _)) in table.columns.iter().enumerate().skip(1) {
            let _ = write!(
                css,
                "table.{} td:nth-child({})::before{{content:\"{name}\"}}",
                table.class,
                i + 1
            );
        }
    }
    css.push_str("}\n");
    css
}

impl Table {
    /// The table's opening, up to its body; `id` names it for a script.
    fn open(&self, page: &mut String, id: Option<&str>) {
        let id = id.map(|id| format!(" id=\"{id}\"")).unwrap_or_default();
        let _ = write!(page, "<table{id} class=\"cards {}\"><colgroup>", self.class);
        for (_, width, _) in self.columns {
            let _ = write!(page, "<col style=\"width:{width}%\">");
        }
        page.push_str("</colgroup><thead><tr>");
        for (name, _, number) in self.columns {
            match number {
                true => {
                    let _ = write!(page, "<th class=\"num\">{name}</th>");
                }
                false => {
                    let _ = write!(page, "<th>{name}</th>");
                }
            }
        }
        page.push_str("</tr></thead><tbody>\n");
    }

    /// One row: each cell (already escaped) in its column, numbers aligned right.
    fn row(&self, cells: &[String]) -> String {
        let mut row = String::from("<tr>");
        for (cell, (_, _, number)) in cells.iter().zip(self.columns) {
            let _ = match number {
                true => write!(row, "<td class=\"num\">{cell}</td>"),
                false => write!(row, "<td>{cell}</td>"),
            };
        }
        row.push_str("</tr>\n");
        row
    }

    /// The whole table: its opening, the rows, its close.
    fn write(&self, page: &mut String, id: Option<&str>, rows: &[String]) {
        self.open(page, id);
        page.push_str(&rows.concat());
        page.push_str("</tbody></table>\n");
    }
}

/// A text as code: an origin, a pattern.
fn code(text: &str) -> String {
    format!("<code>{}</code>", escape(text))
}

/// The opening of a table of score bars: a first column, then one per dimension, each
/// header with the scale's axis.
fn open_scores(page: &mut String, first: &str, dimensions: &[Dimension], scale: &Scale) {
    let width = 100 / (dimensions.len() + 1);
    let _ = write!(
        page,
        "<table class=\"cards t-scores\"><colgroup><col style=\"width:{width}%\"></colgroup><thead><tr><th>{first}</th>"
    );
    for d in dimensions {
        let _ = write!(page, "<th>{d}{}</th>", scale.axis());
    }
    page.push_str("</tr></thead><tbody>\n");
}

/// One cell of a score table.
fn score_cell(dimension: Dimension, bar: Option<String>) -> String {
    match bar {
        Some(bar) => format!("<td data-label=\"{dimension}\">{bar}</td>"),
        None => "<td class=\"none\"></td>".to_string(),
    }
}

/// Score bars per slice and dimension, and over all slices.
pub(super) fn scores(page: &mut String, report: &Report, scale: &Scale) {
    let _ = write!(
        page,
        "<h2 id=\"scores\">Scores</h2>\n<p class=\"note\">Checks passed out of checks made. The bars start at {}%, not at 0, so that 95% and 100% look different; a dashed line marks a threshold. Red fails the run, amber warns.</p>\n",
        (scale.floor() * 100.0).round()
    );
    open_scores(page, "slice", &Dimension::ALL, scale);
    let bar = |s: &DimensionScore| scale.bar(s, s.min, s.status);
    for slice in &report.slices {
        let _ = write!(page, "<tr><td>{}</td>", escape(&slice.slice));
        for d in Dimension::ALL {
            page.push_str(&score_cell(d, slice.dimensions.get(&d).map(bar)));
        }
        page.push_str("</tr>\n");
    }
    page.push_str("<tr><td><strong>all slices</strong></td>");
    for d in Dimension::ALL {
        page.push_str(&score_cell(d, report.overall.get(&d).map(bar)));
    }
    page.push_str("</tr>\n</tbody></table>\n");
}

/// Each slice's scores per property (and `class`, `id`), against the slice's thresholds for
/// the dimension: open when a property scored below 100%.
pub(super) fn properties(page: &mut String, report: &Report, scale: &Scale) {
    page.push_str("<h2 id=\"properties\">Scores per property</h2>\n<p class=\"note\">What each slice's scores are made of. A property below its dimension's threshold is amber: it does not fail the run on its own.</p>\n");
    for slice in &report.slices {
        let dimensions: Vec<Dimension> = Dimension::ALL
            .into_iter()
            .filter(|d| slice.properties.values().any(|p| p.contains_key(d)))
            .collect();
        let below = slice
            .properties
            .values()
            .filter(|p| p.values().any(|s| s.score < 1.0))
            .count();
        let open = if below > 0 { " open" } else { "" };
        let _ = writeln!(
            page,
            "<details{open}><summary><strong>{}</strong>: {} properties, {below} below 100%</summary>",
            escape(&slice.slice),
            slice.properties.len()
        );
        open_scores(page, "property", &dimensions, scale);
        for (property, scores) in &slice.properties {
            let _ = write!(page, "<tr><td>{}</td>", escape(property));
            for d in &dimensions {
                let bar = scores.get(d).map(|s| {
                    let min = slice.dimensions.get(d).and_then(|t| t.min);
                    let status = match min.is_some_and(|m| s.score < m) {
                        true => Status::Warn,
                        false => Status::Pass,
                    };
                    scale.bar(s, min, status)
                });
                page.push_str(&score_cell(*d, bar));
            }
            page.push_str("</tr>\n");
        }
        page.push_str("</tbody></table>\n</details>\n");
    }
}

/// Each slice's row account, why rows were quarantined, and the first quarantined rows not
/// already shown as the first of their reason.
pub(super) fn quarantine(page: &mut String, report: &Report) {
    page.push_str("<h2 id=\"quarantine\">Rows and quarantine</h2>\n<p class=\"note\">Rows read = in the slice + outside its condition; in the slice = things + quarantined. Every quarantined row is in <code>quarantine/SLICE.*</code>.</p>\n");
    let accounts: Vec<String> = report
        .slices
        .iter()
        .map(|s| {
            ROWS.row(&[
                escape(&s.slice),
                s.rows_read.to_string(),
                s.rows_in_slice.to_string(),
                s.rows_outside.to_string(),
                s.things.to_string(),
                s.quarantined.to_string(),
            ])
        })
        .collect();
    ROWS.write(page, None, &accounts);
    page.push_str("<h3>Why rows were quarantined</h3>\n");
    let reasons: Vec<String> = report
        .slices
        .iter()
        .flat_map(|s| s.quarantine.reasons.iter().map(move |r| (s, r)))
        .map(|(s, r)| {
            REASONS.row(&[
                escape(&s.slice),
                escape(&r.reason),
                r.count.to_string(),
                code(&r.first),
            ])
        })
        .collect();
    if reasons.is_empty() {
        page.push_str("<p>No row was quarantined.</p>\n");
        return;
    }
    REASONS.write(page, None, &reasons);
    more_quarantined(page, report);
}

/// The quarantined rows the report holds beyond the first of each reason.
fn more_quarantined(page: &mut String, report: &Report) {
    let shown =
        |s: &SliceReport, origin: &str| s.quarantine.reasons.iter().any(|r| r.first == origin);
    let rows: Vec<String> = report
        .slices
        .iter()
        .flat_map(|s| s.quarantine.rows.iter().map(move |r| (s, r)))
        .filter(|(s, r)| !shown(s, &r.origin))
        .map(|(s, r)| QUARANTINED.row(&[escape(&s.slice), code(&r.origin), escape(&r.reason)]))
        .collect();
    if !rows.is_empty() {
        page.push_str("<h3>More quarantined rows</h3>\n");
        QUARANTINED.write(page, None, &rows);
    }
}

/// Every source code without an RDL term (with how often, and where first), and every code a
/// pattern of a value map took in: what to add to a map, and what to check a pattern for.
pub(super) fn codes(page: &mut String, report: &Report) {
    page.push_str("<h2 id=\"codes\">Unmapped codes</h2>\n");
    let rows: Vec<String> = report
        .slices
        .iter()
        .flat_map(|s| s.unmapped_codes.iter().map(move |c| (s, c)))
        .map(|(s, c)| {
            CODES.row(&[
                escape(&s.slice),
                escape(&c.property),
                escape(&c.column),
                escape(&c.code),
                c.count.to_string(),
                code(&c.first),
            ])
        })
        .collect();
    if rows.is_empty() {
        page.push_str("<p>Every source code has an RDL term.</p>\n");
    } else {
        page.push_str("<p class=\"note\">Source codes no value map turns into an RDL term: add them to the mapping's value map, or to the RDL.</p>\n");
        CODES.write(page, None, &rows);
    }
    let matched: Vec<String> = report
        .slices
        .iter()
        .flat_map(|s| s.matched_codes.iter().map(move |m| (s, m)))
        .map(|(s, m)| {
            MATCHED.row(&[
                escape(&s.slice),
                escape(&m.property),
                code(&m.pattern),
                escape(&m.code),
                m.count.to_string(),
            ])
        })
        .collect();
    if !matched.is_empty() {
        page.push_str("<h3>Codes taken in by patterns</h3>\n");
        MATCHED.write(page, None, &matched);
    }
}

/// The located failures the report carries, searchable.
pub(super) fn failures(page: &mut String, report: &Report) {
    let shown: usize = report.slices.iter().map(|s| s.failures.len()).sum();
    let total: u64 = report.slices.iter().map(|s| s.failures_total).sum();
    page.push_str("<h2 id=\"failures-section\">Failures</h2>\n");
    if total == 0 {
        page.push_str("<p>No check failed.</p>\n");
        return;
    }
    let _ = writeln!(
        page,
        "<p>{total} failed checks; {shown} shown here (the first of each slice), all of them in <code>failures/SLICE.csv</code>.</p>\n<input id=\"search\" type=\"search\" placeholder=\"Search failures: a slice, an id, a cell such as Assets!D34\">"
    );
    let rows: Vec<String> = report
        .slices
        .iter()
        .flat_map(|s| s.failures.iter().map(move |f| (s, f)))
        .map(|(s, f)| {
            FAILURES.row(&[
                escape(&s.slice),
                escape(f.dimension.as_str()),
                escape(&f.property),
                escape(f.value.as_deref().unwrap_or("")),
                escape(&f.rule),
                code(&f.origin),
            ])
        })
        .collect();
    FAILURES.write(page, Some("failures"), &rows);
}

/// Column counts per level as one stacked bar.
fn stack(levels: &[ColumnLevel]) -> String {
    let total = levels.len().max(1) as f64;
    let mut out = String::from("<div class=\"stack\">");
    for (level, colour) in LEVEL_COLOURS {
        let count = levels.iter().filter(|l| l.level == level).count();
        if count > 0 {
            let _ = write!(
                out,
                "<span style=\"width:{:.1}%;background:{colour}\" title=\"{level}: {count}\"></span>",
                count as f64 / total * 100.0
            );
        }
    }
    out.push_str("</div>");
    out
}

fn counts(levels: &[ColumnLevel]) -> String {
    LEVEL_COLOURS
        .iter()
        .map(|(level, _)| {
            levels
                .iter()
                .filter(|l| l.level == *level)
                .count()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join(" / ")
}

/// The level each slice's and each source's columns reached.
pub(super) fn digitalisation(page: &mut String, report: &Report) {
    page.push_str(
        "<h2 id=\"digitalisation\">Digitalisation</h2>\n<p class=\"legend\">Columns by the level they reached:",
    );
    for (level, colour) in LEVEL_COLOURS {
        let _ = write!(page, "<span style=\"background:{colour}\"></span>{level}");
    }
    page.push_str("</p>\n");
    let slices = report
        .slices
        .iter()
        .map(|s| (format!("slice {}", s.slice), &s.digitalisation));
    let sources = report
        .sources
        .iter()
        .map(|(source, levels)| (format!("source {source}"), levels));
    let rows: Vec<String> = slices
        .chain(sources)
        .map(|(name, levels)| LEVELS.row(&[escape(&name), stack(levels), counts(levels)]))
        .collect();
    LEVELS.write(page, None, &rows);
}
