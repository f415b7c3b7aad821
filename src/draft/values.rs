//! What a column's values are, judged from their texts: numbers (with a decimal point or a
//! decimal comma, with a unit written after them), dates (and in which formats), yes/no.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

/// Date formats a register is seen to use, most usual first: where two parse the same values
/// (`01/02/2003`), the first wins.
const DATE_FORMATS: &[&str] = &[
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d.%m.%Y",
    "%d-%m-%Y",
    "%Y/%m/%d",
    "%d %b %Y",
    "%d-%b-%Y",
    "%d %B %Y",
    "%b %d, %Y",
];

static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([+-]?[0-9]+(?:([.,])[0-9]+)?)(?:\s*([^0-9\s.,+-][^0-9\s]{0,15}))?$")
        .unwrap_or_else(|_| unreachable!("the number pattern is a valid regex"))
});

/// A distinct text of a column: how often it occurs and the first row it is on.
#[derive(Debug, Clone)]
pub(super) struct Distinct {
    pub text: String,
    pub count: usize,
    pub first_row: u64,
}

/// What a column's texts hold.
#[derive(Debug, Clone, Default)]
pub(super) struct Values {
    /// Values judged (the non-blank ones).
    pub count: usize,
    /// Values that are numbers, with or without a unit after them.
    pub numbers: usize,
    /// Of those, whole numbers.
    pub integers: usize,
    /// Numbers written with a decimal comma, and with a decimal point.
    pub commas: usize,
    pub points: usize,
    /// Units written after numbers (`207 kW`), by how often.
    pub units: BTreeMap<String, usize>,
    /// The first value that is no number, and its row.
    pub first_not_number: Option<(String, u64)>,
    /// The date formats that read the values, best first, with how many each reads that the
    /// ones before it do not.
    pub dates: Vec<(&'static str, usize)>,
    /// The first value no chosen format reads, and its row.
    pub first_not_date: Option<(String, u64)>,
    /// A chosen format, and another that reads every value it reads (`01/02/2003`: day
    /// first or month first?): the values cannot tell which the source means.
    pub date_doubts: Vec<(&'static str, &'static str)>,
    pub booleans: usize,
}

impl Values {
    pub fn of(distinct: &[Distinct]) -> Self {
        let mut values = Values::default();
        for d in distinct {
            let text = d.text.trim();
            values.count += d.count;
            match NUMBER.captures(text) {
                Some(found) => {
                    values.numbers += d.count;
                    match found.get(2).map(|m| m.as_str()) {
                        Some(",") => values.commas += d.count,
                        Some(_) => values.points += d.count,
                        None => values.integers += d.count,
                    }
                    if let Some(unit) = found.get(3) {
                        *values.units.entry(unit.as_str().to_string()).or_insert(0) += d.count;
                    }
                }
                None if values.first_not_number.is_none() => {
                    values.first_not_number = Some((d.text.clone(), d.first_row));
                }
                None => {}
            }
            if matches!(
                text.to_ascii_lowercase().as_str(),
                "yes" | "no" | "true" | "false" | "y" | "n"
            ) {
                values.booleans += d.count;
            }
        }
        values.choose_date_formats(distinct);
        values
    }

    /// Formats, greedily: the one that reads the most values, then the one that reads the
    /// most of those left, up to three.
    fn choose_date_formats(&mut self, distinct: &[Distinct]) {
        let parsed: Vec<(Vec<&'static str>, &Distinct)> = distinct
            .iter()
            .map(|d| (date_formats_of(d.text.trim()), d))
            .collect();
        let mut left: Vec<&(Vec<&'static str>, &Distinct)> = parsed.iter().collect();
        while self.dates.len() < 3 {
            let best = DATE_FORMATS
                .iter()
                .map(|format| {
                    let reads: usize = left
                        .iter()
                        .filter(|(formats, _)| formats.contains(format))
                        .map(|(_, d)| d.count)
                        .sum();
                    (reads, *format)
                })
                .filter(|(reads, _)| *reads > 0)
                .max_by_key(|(reads, format)| {
                    let rank = DATE_FORMATS.iter().position(|f| f == format).unwrap_or(0);
                    (*reads, usize::MAX - rank)
                });
            let Some((reads, format)) = best else { break };
            let taken: Vec<&&(Vec<&'static str>, &Distinct)> = left
                .iter()
                .filter(|(formats, _)| formats.contains(&format))
                .collect();
            let rival = DATE_FORMATS.iter().find(|other| {
                **other != format && taken.iter().all(|(formats, _)| formats.contains(other))
            });
            if let Some(rival) = rival {
                self.date_doubts.push((format, rival));
            }
            self.dates.push((format, reads));
            left.retain(|(formats, _)| !formats.contains(&format));
        }
        self.first_not_date = left.first().map(|(_, d)| (d.text.clone(), d.first_row));
    }

    /// The share of values that are numbers.
    pub fn number_share(&self) -> f64 {
        share(self.numbers, self.count)
    }

    /// The share of values the chosen date formats read.
    pub fn date_share(&self) -> f64 {
        share(self.dates.iter().map(|(_, n)| n).sum(), self.count)
    }

    /// Whether numbers are written with a decimal comma: some are, none with a point.
    pub fn decimal_comma(&self) -> bool {
        self.commas > 0 && self.points == 0
    }

    /// The unit written after most numbers that carry one.
    pub fn usual_unit(&self) -> Option<(&str, usize)> {
        self.units
            .iter()
            .max_by_key(|(unit, n)| (**n, std::cmp::Reverse(unit.as_str())))
            .map(|(unit, n)| (unit.as_str(), *n))
    }
}

/// A count as a share of a total, 0 for none.
pub(super) fn share(part: usize, whole: usize) -> f64 {
    match whole {
        0 => 0.0,
        w => part as f64 / w as f64,
    }
}

/// The formats of [`DATE_FORMATS`] that read a text as a date.
pub(super) fn date_formats_of(text: &str) -> Vec<&'static str> {
    // A date has its parts apart: a bare number (`1998`, `32.5`) is never taken for one.
    let separators = text.bytes().filter(|b| b"/-. ,".contains(b)).count();
    if text.len() < 6 || text.len() > 30 || separators < 2 {
        return Vec::new();
    }
    DATE_FORMATS
        .iter()
        .copied()
        .filter(|format| chrono::NaiveDate::parse_from_str(text, format).is_ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distinct(texts: &[&str]) -> Vec<Distinct> {
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| Distinct {
                text: t.to_string(),
                count: 1,
                first_row: i as u64 + 5,
            })
            .collect()
    }

    #[test]
    fn numbers_with_decimal_commas_and_units_are_seen() {
        let values = Values::of(&distinct(&["0,4", "17,9", "207 kW", "33", "n/a"]));
        assert_eq!((values.count, values.numbers), (5, 4));
        assert!(values.decimal_comma());
        assert_eq!(values.usual_unit(), Some(("kW", 1)));
        assert_eq!(values.first_not_number, Some(("n/a".to_string(), 9)));
    }

    #[test]
    fn date_formats_are_chosen_by_what_they_read() {
        let values = Values::of(&distinct(&[
            "16/12/2008",
            "01/02/2003",
            "1999-10-12",
            "31/01/2000",
            "soon",
        ]));
        assert_eq!(values.dates, vec![("%d/%m/%Y", 3), ("%Y-%m-%d", 1)]);
        assert!(values.date_doubts.is_empty());
        let doubtful = Values::of(&distinct(&["01/02/2003", "03/04/2005"]));
        assert_eq!(doubtful.date_doubts, vec![("%d/%m/%Y", "%m/%d/%Y")]);
        assert_eq!(values.first_not_date, Some(("soon".to_string(), 9)));
        assert!((values.date_share() - 0.8).abs() < 1e-9);
    }
}
