//! `report.html`: one self-contained page (no network: styles and the search script are
//! inline) with score bars per slice and dimension, the digitalisation chart, the row
//! accounts and a searchable table of located failures.

use std::fmt::Write;

use super::conformance::{DimensionScore, Report};
use super::escape_markup as escape;
use crate::checks::digitalisation::ColumnLevel;
use crate::quality::{Dimension, Level, Status};

/// The levels a source can reach, lowest first, with their colours.
const LEVEL_COLOURS: [(Level, &str); 4] = [
    (Level::Syntactic, "#c9ced6"),
    (Level::Implicit, "#f2b84b"),
    (Level::Explicit, "#7cb7e8"),
    (Level::Grounded, "#3f9c5a"),
];

const STYLE: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:1100px;color:#1d2330;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #dde1e7;padding-bottom:.3rem}
.badge{display:inline-block;padding:.2rem .6rem;border-radius:.3rem;color:#fff;font-weight:600}
.pass{background:#3f9c5a}.warn{background:#d98e04}.fail{background:#c8382d}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #eef0f3;vertical-align:middle}
th{background:#f6f7f9}.num{text-align:right;font-variant-numeric:tabular-nums}
.bar{position:relative;height:1.1rem;background:#eef0f3;border-radius:.2rem;min-width:8rem}
.bar>span{position:absolute;left:0;top:0;bottom:0;border-radius:.2rem}
.bar>em{position:absolute;right:.3rem;top:0;font-style:normal;font-size:.8rem;line-height:1.1rem}
.bar>i{position:absolute;top:-.15rem;bottom:-.15rem;border-left:2px dashed #1d2330}
.stack{display:flex;height:1.2rem;border-radius:.2rem;overflow:hidden;min-width:16rem}
.stack>span{display:block;height:100%}
.legend span{display:inline-block;width:.8rem;height:.8rem;margin:0 .3rem 0 1rem;vertical-align:middle;border-radius:.15rem}
input[type=search]{width:100%;padding:.45rem;font-size:.95rem;margin:.5rem 0;border:1px solid #c9ced6;border-radius:.3rem}
code{font-size:.85rem}
";

const SEARCH: &str = "
document.getElementById('search').addEventListener('input',function(e){
 var q=e.target.value.toLowerCase();
 document.querySelectorAll('#failures tbody tr').forEach(function(r){
  r.style.display=r.textContent.toLowerCase().indexOf(q)>=0?'':'none';});});
";

fn colour(status: Status) -> &'static str {
    match status {
        Status::Fail => "#c8382d",
        Status::Warn => "#d98e04",
        Status::Pass => "#3f9c5a",
    }
}

/// A score as a bar, with the threshold marked.
fn bar(score: &DimensionScore) -> String {
    let width = score.score * 100.0;
    let threshold = score
        .min
        .map(|m| {
            format!(
                "<i style=\"left:{:.1}%\" title=\"minimum {:.1}%\"></i>",
                m * 100.0,
                m * 100.0
            )
        })
        .unwrap_or_default();
    format!(
        "<div class=\"bar\" title=\"{} of {} checks passed\"><span style=\"width:{width:.1}%;background:{}\"></span>{threshold}<em>{:.1}%</em></div>",
        score.passed,
        score.checked,
        colour(score.status),
        score.score * 100.0
    )
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

pub fn html(report: &Report) -> String {
    let mut page = String::new();
    let status = if report.passed { "pass" } else { "fail" };
    let _ = writeln!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>thinslice conformance report</title><style>{STYLE}</style></head><body>\n<h1>Conformance report</h1>\n<p><span class=\"badge {status}\">{}</span> {} slices checked. Scores are checks passed / checks made; a dashed line marks a threshold.</p>",
        if report.passed {
            "all fail thresholds met"
        } else {
            "below a fail threshold"
        },
        report.slices.len()
    );
    scores(&mut page, report);
    digitalisation(&mut page, report);
    rows(&mut page, report);
    codes(&mut page, report);
    failures(&mut page, report);
    let _ = write!(
        page,
        "</tbody></table>\n<script>{SEARCH}</script>\n</body></html>\n"
    );
    page
}

/// Score bars per slice and dimension, and over all slices.
fn scores(page: &mut String, report: &Report) {
    page.push_str("<h2>Scores</h2>\n<table><thead><tr><th>slice</th>");
    for d in Dimension::ALL {
        let _ = write!(page, "<th>{d}</th>");
    }
    page.push_str("</tr></thead><tbody>\n");
    for slice in &report.slices {
        let _ = write!(page, "<tr><td>{}</td>", escape(&slice.slice));
        for d in Dimension::ALL {
            let cell = slice.dimensions.get(&d).map(bar).unwrap_or_default();
            let _ = write!(page, "<td>{cell}</td>");
        }
        page.push_str("</tr>\n");
    }
    page.push_str("<tr><td><strong>all slices</strong></td>");
    for d in Dimension::ALL {
        let cell = report.overall.get(&d).map(bar).unwrap_or_default();
        let _ = write!(page, "<td>{cell}</td>");
    }
    page.push_str("</tr>\n</tbody></table>\n");
}

/// The level each slice's and each source's columns reached.
fn digitalisation(page: &mut String, report: &Report) {
    page.push_str(
        "<h2>Digitalisation</h2>\n<p class=\"legend\">Columns by the level they reached:",
    );
    for (level, colour) in LEVEL_COLOURS {
        let _ = write!(page, "<span style=\"background:{colour}\"></span>{level}");
    }
    page.push_str("</p>\n<table><thead><tr><th>slice or source</th><th>columns</th><th class=\"num\">syntactic / implicit / explicit / grounded</th></tr></thead><tbody>\n");
    for slice in &report.slices {
        let _ = writeln!(
            page,
            "<tr><td>slice {}</td><td>{}</td><td class=\"num\">{}</td></tr>",
            escape(&slice.slice),
            stack(&slice.digitalisation),
            counts(&slice.digitalisation)
        );
    }
    for (source, levels) in &report.sources {
        let _ = writeln!(
            page,
            "<tr><td>source {}</td><td>{}</td><td class=\"num\">{}</td></tr>",
            escape(source),
            stack(levels),
            counts(levels)
        );
    }
    page.push_str("</tbody></table>\n");
}

/// Each slice's row account.
fn rows(page: &mut String, report: &Report) {
    page.push_str("<h2>Rows</h2>\n<table><thead><tr><th>slice</th><th class=\"num\">read</th><th class=\"num\">in slice</th><th class=\"num\">outside</th><th class=\"num\">things</th><th class=\"num\">quarantined</th></tr></thead><tbody>\n");
    for s in &report.slices {
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&s.slice),
            s.rows_read,
            s.rows_in_slice,
            s.rows_outside,
            s.things,
            s.quarantined
        );
    }
    page.push_str("</tbody></table>\n");
}

/// Every source code without an RDL term (with how often, and where first), and every code a
/// pattern of a value map took in: what to add to a map, and what to check a pattern for.
fn codes(page: &mut String, report: &Report) {
    let rows: Vec<String> = report
        .slices
        .iter()
        .flat_map(|s| s.unmapped_codes.iter().map(move |c| (s, c)))
        .map(|(s, c)| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td><code>{}</code></td></tr>\n",
                escape(&s.slice),
                escape(&c.property),
                escape(&c.column),
                escape(&c.code),
                c.count,
                escape(&c.first)
            )
        })
        .collect();
    if !rows.is_empty() {
        page.push_str("<h2>Unmapped codes</h2>\n<table><thead><tr><th>slice</th><th>property</th><th>column</th><th>code</th><th class=\"num\">count</th><th>first at</th></tr></thead><tbody>\n");
        page.push_str(&rows.concat());
        page.push_str("</tbody></table>\n");
    }
    let matched: Vec<String> = report
        .slices
        .iter()
        .flat_map(|s| s.matched_codes.iter().map(move |m| (s, m)))
        .map(|(s, m)| {
            format!(
                "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td></tr>\n",
                escape(&s.slice),
                escape(&m.property),
                escape(&m.pattern),
                escape(&m.code),
                m.count
            )
        })
        .collect();
    if !matched.is_empty() {
        page.push_str("<h2>Codes taken in by patterns</h2>\n<table><thead><tr><th>slice</th><th>property</th><th>pattern</th><th>code</th><th class=\"num\">count</th></tr></thead><tbody>\n");
        page.push_str(&matched.concat());
        page.push_str("</tbody></table>\n");
    }
}

/// The located failures the report carries, searchable.
fn failures(page: &mut String, report: &Report) {
    let shown: usize = report.slices.iter().map(|s| s.failures.len()).sum();
    let total: u64 = report.slices.iter().map(|s| s.failures_total).sum();
    let _ = write!(
        page,
        "<h2>Failures</h2>\n<p>{total} failed checks; {shown} shown here (the first per slice), all of them in <code>failures/SLICE.csv</code>.</p>\n<input id=\"search\" type=\"search\" placeholder=\"Search failures: a slice, an id, a cell such as Assets!D34\">\n<table id=\"failures\"><thead><tr><th>slice</th><th>dimension</th><th>property</th><th>value</th><th>rule</th><th>where</th></tr></thead><tbody>\n"
    );
    for s in &report.slices {
        for f in &s.failures {
            let _ = writeln!(
                page,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
                escape(&s.slice),
                escape(f.dimension.as_str()),
                escape(&f.property),
                escape(f.value.as_deref().unwrap_or("")),
                escape(&f.rule),
                escape(&f.origin)
            );
        }
    }
}
