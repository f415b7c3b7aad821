//! The scale every score bar of the page shares. Scores sit near 100%, so a bar from 0 would
//! draw 95% and 100% alike: the scale starts a margin below the lowest threshold (at 80%
//! when the workspace sets none), its axis is labelled, and each threshold is marked.

use std::fmt::Write;

use super::super::conformance::{DimensionScore, Report};
use super::percent;
use crate::quality::Status;

/// How far below the lowest threshold the scale starts, in thousandths.
const MARGIN: i64 = 50;

/// Where the scale starts, in thousandths, when no threshold is set.
const DEFAULT_FLOOR: i64 = 800;

/// Where the scale starts and how its axis is divided.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Scale {
    /// The score at the bars' left end, in thousandths (a multiple of 50).
    floor: i64,
}

impl Scale {
    /// The scale for `report`: from the lowest threshold of any slice or of the whole
    /// report, less the margin, rounded down to 5%.
    pub fn of(report: &Report) -> Self {
        let lowest = report
            .overall
            .values()
            .chain(report.slices.iter().flat_map(|s| s.dimensions.values()))
            .filter_map(|d| d.min)
            .map(|m| (m * 1000.0).round() as i64)
            .min();
        let floor = match lowest {
            Some(lowest) => (lowest - MARGIN).div_euclid(MARGIN) * MARGIN,
            None => DEFAULT_FLOOR,
        };
        Self {
            floor: floor.clamp(0, 1000 - MARGIN),
        }
    }

    /// The score at the left end of every bar.
    pub fn floor(&self) -> f64 {
        self.floor as f64 / 1000.0
    }

    /// Where `score` sits along a bar, in percent of its length (0 for a score below the
    /// scale).
    pub fn position(&self, score: f64) -> f64 {
        ((score - self.floor()) / (1.0 - self.floor())).clamp(0.0, 1.0) * 100.0
    }

    /// The scores the axis labels, every 5% (10% or 25% on a long scale), ends included.
    pub fn ticks(&self) -> Vec<f64> {
        let range = 1000 - self.floor;
        let step = match range {
            _ if range <= 250 => 50,
            _ if range <= 500 => 100,
            _ => 250,
        };
        let first = self.floor.div_euclid(step) * step;
        let mut ticks: Vec<i64> = (0..)
            .map(|i| first + i * step)
            .take_while(|t| *t <= 1000)
            // A label too close to the floor's would overlap it.
            .filter(|t| *t - self.floor >= step / 2)
            .collect();
        ticks.insert(0, self.floor);
        ticks.into_iter().map(|t| t as f64 / 1000.0).collect()
    }

    /// The distance between two gridlines of a bar, in percent of its length.
    pub fn step(&self) -> f64 {
        let ticks = self.ticks();
        match ticks.as_slice() {
            [.., a, b] => self.position(*b) - self.position(*a),
            _ => 100.0,
        }
    }

    /// The axis as a bar cell draws it: the ticks above a track as long as the bars.
    pub fn axis(&self) -> String {
        let mut out = String::from("<div class=\"score\"><div class=\"axis\">");
        for tick in self.ticks() {
            let _ = write!(
                out,
                "<span style=\"left:{:.2}%\">{}%</span>",
                self.position(tick),
                (tick * 100.0).round()
            );
        }
        out.push_str("</div><span class=\"pct\"></span></div>");
        out
    }

    /// A score as a bar on this scale, with its threshold (`min`) marked and the score
    /// written after it; `status` colours it. A dimension nothing was checked in has no bar.
    pub fn bar(&self, score: &DimensionScore, min: Option<f64>, status: Status) -> String {
        if score.checked == 0 {
            // 100% of nothing is no score: an empty track, and a dash.
            return "<div class=\"score\"><div class=\"bar\" title=\"nothing checked\"></div><span class=\"pct\">–</span></div>".to_string();
        }
        let class = status_class(status);
        let threshold = min
            .map(|m| {
                format!(
                    "<i style=\"left:{:.2}%\" title=\"minimum {}\"></i>",
                    self.position(m),
                    percent(m)
                )
            })
            .unwrap_or_default();
        let under = match score.score < self.floor() {
            true => " under",
            false => "",
        };
        format!(
            "<div class=\"score\"><div class=\"bar{under}\" data-score=\"{:.4}\" title=\"{}: {} of {} checks passed{}\"><b class=\"{class}\" style=\"width:{:.2}%\"></b>{threshold}</div><span class=\"pct {class}\">{}</span></div>",
            score.score,
            percent(score.score),
            score.passed,
            score.checked,
            min.map(|m| format!("; minimum {}", percent(m)))
                .unwrap_or_default(),
            self.position(score.score),
            percent(score.score),
        )
    }
}

/// The class that colours a status.
pub(super) fn status_class(status: Status) -> &'static str {
    match status {
        Status::Fail => "fail",
        Status::Warn => "warn",
        Status::Pass => "pass",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scale(floor: i64) -> Scale {
        Scale { floor }
    }

    #[test]
    fn the_scale_starts_five_points_below_the_lowest_threshold_rounded_down() {
        let report = |mins: &[f64]| Report {
            schema: 1,
            passed: true,
            overall: mins
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    let score = DimensionScore {
                        score: 1.0,
                        checked: 1,
                        passed: 1,
                        min: Some(*m),
                        status: Status::Pass,
                    };
                    (crate::quality::Dimension::ALL[i], score)
                })
                .collect(),
            slices: Vec::new(),
            sources: Default::default(),
            marking: None,
        };
        assert_eq!(Scale::of(&report(&[0.95, 0.99])), scale(900));
        assert_eq!(Scale::of(&report(&[0.975])), scale(900));
        assert_eq!(Scale::of(&report(&[0.5])), scale(450));
        assert_eq!(Scale::of(&report(&[0.01])), scale(0));
        assert_eq!(Scale::of(&report(&[1.0])), scale(950));
        assert_eq!(Scale::of(&report(&[])), scale(800), "no threshold");
    }

    #[test]
    fn a_bar_tells_95_from_100() {
        let s = scale(900);
        assert_eq!(s.position(1.0), 100.0);
        assert!((s.position(0.95) - 50.0).abs() < 1e-9);
        assert_eq!(s.position(0.42), 0.0, "below the scale");
        assert_eq!(s.ticks(), [0.9, 0.95, 1.0]);
        assert!((s.step() - 50.0).abs() < 1e-9);
    }

    #[test]
    fn the_axis_is_labelled_every_5_10_or_25_percent() {
        assert_eq!(scale(850).ticks(), [0.85, 0.9, 0.95, 1.0]);
        assert_eq!(scale(600).ticks(), [0.6, 0.7, 0.8, 0.9, 1.0]);
        assert_eq!(scale(450).ticks(), [0.45, 0.75, 1.0]);
        assert!(scale(900).axis().contains(">90%<") && scale(900).axis().contains(">100%<"));
    }

    #[test]
    fn nothing_checked_draws_no_bar() {
        let nothing = DimensionScore {
            score: 1.0,
            checked: 0,
            passed: 0,
            min: Some(0.95),
            status: Status::Pass,
        };
        let bar = scale(900).bar(&nothing, nothing.min, Status::Pass);
        assert!(
            bar.contains("nothing checked") && !bar.contains("data-score"),
            "{bar}"
        );
    }
}
