//! `report.html`: one self-contained page (no network: styles and the search script are
//! inline; the same bytes for the same report) that a manager reads top to bottom: the
//! verdict and what it rests on, scores per slice and dimension and per property on a scale
//! that tells 95% from 100%, the rows quarantined and why, the codes without an RDL term, the
//! located failures, and the digitalisation chart. Tables become cards on a narrow screen.

mod scale;
mod sections;

use crate::report::escape_markup;
use std::fmt::Write;

use super::conformance::{Report, SliceReport};
use super::escape_markup as escape;
use crate::quality::{Dimension, Status};
use scale::Scale;

const STYLE: &str = "
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:1.5rem auto;max-width:1100px;color:#1d2330;padding:0 1rem;line-height:1.4}
h1{font-size:1.6rem;margin:0 0 .4rem}h2{font-size:1.15rem;margin-top:2.2rem;border-bottom:1px solid #dde1e7;padding-bottom:.3rem}
h3{font-size:1rem;margin:1.2rem 0 .3rem}p{margin:.4rem 0}.note{color:#5a6270;font-size:.85rem}
.marking{margin:0 0 .8rem;padding:.4rem .8rem;border:2px solid #333;text-align:center;overflow-wrap:anywhere}
.verdict{border-left:.4rem solid;padding:.8rem 1rem;border-radius:.3rem;background:#f6f7f9}
.verdict.pass{border-color:#3f9c5a}.verdict.fail{border-color:#c8382d}
.headline{font-size:1.25rem;font-weight:650;margin:.2rem 0 .5rem}
.verdict.pass .headline{color:#2b7a43}.verdict.fail .headline{color:#b02a20}
.verdict ul{margin:.3rem 0 .6rem;padding-left:1.2rem}
.facts{display:flex;flex-wrap:wrap;gap:.5rem;margin:.6rem 0 0;padding:0}
.facts div{background:#fff;border:1px solid #dde1e7;border-radius:.3rem;padding:.3rem .7rem;min-width:6.5rem}
.facts dt{font-size:.75rem;color:#5a6270}.facts dd{margin:0;font-size:1.15rem;font-weight:650;font-variant-numeric:tabular-nums}
table{border-collapse:collapse;width:100%;font-size:.9rem;table-layout:fixed}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #eef0f3;vertical-align:middle;overflow-wrap:anywhere}
th{background:#f6f7f9;font-weight:600;vertical-align:bottom}.num{text-align:right;font-variant-numeric:tabular-nums}
code{font-size:.82rem}
.score{display:flex;align-items:center;gap:.4rem;min-width:0}
.bar{position:relative;flex:1;min-width:2.5rem;height:1rem;border-radius:.2rem;background-color:#eef0f3;
 background-image:repeating-linear-gradient(90deg,transparent 0 calc(var(--step) - 1px),#d5d9df calc(var(--step) - 1px) var(--step))}
.bar>b{position:absolute;left:0;top:0;bottom:0;border-radius:.2rem}
.bar>i{position:absolute;top:-.2rem;bottom:-.2rem;margin-left:-1px;border-left:2px dashed #1d2330}
.bar.under{border-left:3px solid #c8382d}
b.pass{background:#3f9c5a}b.warn{background:#d98e04}b.fail{background:#c8382d}
.pct{flex:0 0 3.3rem;text-align:right;font-size:.8rem;font-variant-numeric:tabular-nums}
.pct.warn{color:#a86d00;font-weight:650}.pct.fail{color:#b02a20;font-weight:650}
.axis{position:relative;flex:1;min-width:2.5rem;height:1rem;font-size:.7rem;font-weight:400;color:#5a6270}
.axis>span{position:absolute;bottom:0;transform:translateX(-50%);white-space:nowrap}
.axis>span:first-child{transform:none}.axis>span:last-child{transform:translateX(-100%)}
.key{display:flex;flex-wrap:wrap;align-items:center;gap:.3rem 1rem;font-size:.85rem;color:#5a6270}
.key .score{width:14rem}
details{margin:.3rem 0}summary{cursor:pointer;padding:.3rem 0}
.stack{display:flex;height:1.1rem;border-radius:.2rem;overflow:hidden}
.stack>span{display:block;height:100%}
.legend span{display:inline-block;width:.8rem;height:.8rem;margin:0 .3rem 0 1rem;vertical-align:middle;border-radius:.15rem}
input[type=search]{width:100%;padding:.45rem;font-size:.95rem;margin:.5rem 0;border:1px solid #c9ced6;border-radius:.3rem}
@media (max-width:640px){
body{margin:1rem auto;padding:0 .6rem}
table.cards,table.cards tbody,table.cards tr,table.cards td{display:block;width:100%}
table.cards thead,table.cards colgroup{display:none}
table.cards tr{border:1px solid #dde1e7;border-radius:.3rem;margin:.5rem 0;padding:.25rem .5rem}
table.cards td{display:flex;align-items:center;gap:.5rem;border:0;padding:.15rem 0;text-align:left}
table.cards td:first-child{font-weight:650}
table.cards td::before{flex:0 0 6.8rem;color:#5a6270;font-size:.78rem;font-weight:400}
table.cards td>*{flex:1;min-width:0}
table.cards td.none{display:none}
}
";

const SEARCH: &str = "
var search=document.getElementById('search');
if(search)search.addEventListener('input',function(e){
 var q=e.target.value.toLowerCase();
 document.querySelectorAll('#failures tbody tr').forEach(function(r){
  r.style.display=r.textContent.toLowerCase().indexOf(q)>=0?'':'none';});});
";

/// A score as the page writes it, to one decimal as the terminal does, but never rounded up
/// to 100%: 99.96% is written 99.9%, since a check failed.
fn percent(score: f64) -> String {
    let tenths = (score * 1000.0).round() / 10.0;
    match score < 1.0 && tenths >= 100.0 {
        true => "99.9%".to_string(),
        false => format!("{tenths:.1}%"),
    }
}

pub fn html(report: &Report) -> String {
    let scale = Scale::of(report);
    let mut page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>thinslice conformance report</title><style>{STYLE}{}</style></head><body style=\"--step:{:.2}%\">\n",
        sections::card_labels(),
        scale.step()
    );
    verdict(&mut page, report);
    sections::scores(&mut page, report, &scale);
    sections::properties(&mut page, report, &scale);
    sections::quarantine(&mut page, report);
    sections::codes(&mut page, report);
    sections::failures(&mut page, report);
    sections::digitalisation(&mut page, report);
    let _ = write!(page, "<script>{SEARCH}</script>\n</body></html>\n");
    page
}

/// A score below its threshold: the slice, what fell short, and how.
struct Shortfall<'a> {
    slice: &'a str,
    what: String,
    status: Status,
}

/// Every `fail` and `warn` threshold a slice did not meet, fails first.
fn shortfalls(report: &Report) -> Vec<Shortfall<'_>> {
    let mut found = Vec::new();
    for s in &report.slices {
        for (dimension, score) in &s.dimensions {
            if score.status != Status::Pass {
                found.push(Shortfall {
                    slice: &s.slice,
                    what: format!(
                        "{dimension} {}, below its minimum {}",
                        percent(score.score),
                        percent(score.min.unwrap_or_default())
                    ),
                    status: score.status,
                });
            }
        }
        if let Some(rows) = s.rows.filter(|r| r.status != Status::Pass) {
            found.push(Shortfall {
                slice: &s.slice,
                what: format!("{} rows, below its minimum {}", s.rows_in_slice, rows.min),
                status: rows.status,
            });
        }
    }
    found.sort_by_key(|f| f.status != Status::Fail);
    found
}

/// The lowest score below 100% of any slice, and where.
fn lowest(report: &Report) -> Option<(&SliceReport, Dimension, f64)> {
    report
        .slices
        .iter()
        .flat_map(|s| s.dimensions.iter().map(move |(d, score)| (s, *d, score)))
        .filter(|(_, _, score)| score.checked > 0 && score.score < 1.0)
        .map(|(s, d, score)| (s, d, score.score))
        .min_by(|a, b| a.2.total_cmp(&b.2))
}

/// The verdict first: whether the run met its thresholds, what fell short, and the numbers
/// it rests on.
fn verdict(page: &mut String, report: &Report) {
    let shortfalls = shortfalls(report);
    let failing = shortfalls.iter().filter(|f| f.status == Status::Fail);
    let mut failing: Vec<&str> = failing.map(|f| f.slice).collect();
    failing.dedup();
    let (class, headline) = match report.passed {
        true => (
            "pass",
            "Conformant: every slice meets its fail thresholds".into(),
        ),
        false => (
            "fail",
            format!(
                "Not conformant: {} of {} slices below a fail threshold",
                failing.len(),
                report.slices.len()
            ),
        ),
    };
    // The handling markings first, as on any document that carries one: the workspace's,
    // then each slice's own.
    let said = |marking: &crate::marking::Marking| -> String {
        let parts: Vec<String> = [
            (marking.classification.as_ref())
                .map(|c| format!("<strong>{}</strong>", escape_markup(c))),
            (marking.licence.as_ref())
                .map(|l| format!("licence <a href=\"{0}\">{0}</a>", escape_markup(l))),
            marking.restrictions.as_ref().map(|r| escape_markup(r)),
        ]
        .into_iter()
        .flatten()
        .collect();
        parts.join(" · ")
    };
    if let Some(marking) = &report.marking {
        let _ = writeln!(
            page,
            "<p id=\"marking\" class=\"marking\">{}</p>",
            said(marking)
        );
    }
    for slice in &report.slices {
        if let Some(marking) = &slice.marking {
            let name = escape_markup(&slice.slice);
            let _ = writeln!(page, "<p class=\"marking\">{name}: {}</p>", said(marking));
        }
    }
    let _ = write!(
        page,
        "<section id=\"verdict\" class=\"verdict {class}\">\n<h1>Conformance report</h1>\n<p class=\"headline\">{headline}</p>\n"
    );
    if !shortfalls.is_empty() {
        page.push_str("<ul>");
        for f in &shortfalls {
            let effect = match f.status {
                Status::Fail => "fails the run",
                _ => "a warning",
            };
            let _ = write!(
                page,
                "<li><strong>{}</strong>: {} ({effect})</li>",
                escape(f.slice),
                escape(&f.what)
            );
        }
        page.push_str("</ul>\n");
    }
    if let Some((slice, dimension, score)) = lowest(report) {
        let _ = writeln!(
            page,
            "<p>Lowest score: {dimension} of {}, {}.</p>",
            escape(&slice.slice),
            percent(score)
        );
    }
    facts(page, report);
    page.push_str("</section>\n");
}

/// The numbers under the verdict, as tiles.
fn facts(page: &mut String, report: &Report) {
    let sum = |f: fn(&SliceReport) -> u64| report.slices.iter().map(f).sum::<u64>();
    let facts = [
        ("slices", report.slices.len() as u64),
        ("rows read", sum(|s| s.rows_read)),
        ("things made", sum(|s| s.things)),
        ("rows quarantined", sum(|s| s.quarantined)),
        ("failed checks", sum(|s| s.failures_total)),
        ("unmapped codes", sum(|s| s.unmapped_codes.len() as u64)),
    ];
    page.push_str("<dl class=\"facts\">");
    for (name, value) in facts {
        let _ = write!(page, "<div><dt>{name}</dt><dd>{value}</dd></div>");
    }
    page.push_str("</dl>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_score_is_never_rounded_up_to_100_percent() {
        assert_eq!(percent(1.0), "100.0%");
        assert_eq!(percent(0.9996), "99.9%");
        assert_eq!(percent(0.954545), "95.5%", "as the terminal writes it");
        assert_eq!(percent(0.0), "0.0%");
    }
}
