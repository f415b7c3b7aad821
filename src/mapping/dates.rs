//! Dates and datetimes read from text, value by value: the mapping's formats first, then
//! ISO 8601. A datetime keeps its time and its offset; a format without a day (`%Y`,
//! `%Y-%m`) gives the first day of the year or month.

use chrono::format::{Item, Parsed, StrftimeItems, parse};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};
use polars::prelude::*;

use super::PropertyRule;
use super::compile::each_text;

/// The date every date property accepts after the mapping's own formats.
pub(super) const ISO_DATE: &str = "%Y-%m-%d";

/// Datetimes without an offset every datetime property accepts (after RFC 3339, which has
/// one).
const ISO_NAIVE: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
];

/// What a format read, as far as it went.
struct Read {
    date: NaiveDate,
    time: NaiveTime,
    offset: Option<FixedOffset>,
}

/// A mapping's strftime formats, each parsed once: parsing a format's text again for every
/// value was a visible share of a million-row run.
#[derive(Debug, Clone)]
pub(super) struct Formats {
    /// The mapping's own, in its order.
    own: Vec<Vec<Item<'static>>>,
    /// ISO 8601's date, tried after them for a date property.
    iso_date: Vec<Item<'static>>,
}

impl Formats {
    /// Formats lint refused (they cannot be parsed) are left out.
    pub(super) fn new(formats: &[String]) -> Self {
        let items = |format: &str| StrftimeItems::new(format).parse_to_owned().ok();
        Self {
            own: formats.iter().filter_map(|f| items(f)).collect(),
            iso_date: items(ISO_DATE).unwrap_or_default(),
        }
    }
}

/// Reads `text` with one strftime format, filling a missing month or day with 1 and a
/// missing time with midnight. None when the text does not match the whole format.
fn read(text: &str, format: &[Item<'static>]) -> Option<Read> {
    let mut parsed = Parsed::new();
    parse(&mut parsed, text, format.iter()).ok()?;
    if parsed.month().is_none() && parsed.isoweek().is_none() && parsed.ordinal().is_none() {
        parsed.set_month(1).ok()?;
    }
    if parsed.day().is_none() && parsed.weekday().is_none() && parsed.ordinal().is_none() {
        parsed.set_day(1).ok()?;
    }
    let date = parsed.to_naive_date().ok()?;
    let time = match parsed.hour_div_12() {
        None => NaiveTime::MIN,
        Some(_) => {
            if parsed.minute().is_none() {
                parsed.set_minute(0).ok()?;
            }
            parsed.to_naive_time().ok()?
        }
    };
    let offset = match parsed.offset() {
        Some(seconds) => Some(FixedOffset::east_opt(seconds)?),
        None => None,
    };
    Some(Read { date, time, offset })
}

/// `text` as a date: in one of `formats`, else ISO 8601 (`2011-09-27`). A text with a time
/// of day other than midnight is not a date.
pub(super) fn parse_date(text: &str, formats: &Formats) -> Option<NaiveDate> {
    let text = text.trim();
    formats
        .own
        .iter()
        .chain(std::iter::once(&formats.iso_date))
        .find_map(|format| read(text, format))
        .filter(|read| read.time == NaiveTime::MIN && read.offset.is_none())
        .map(|read| read.date)
}

/// `text` as a datetime, written back in ISO 8601 with its time and offset kept
/// (`2011-09-27T16:15:27+02:00`; no offset when the text had none): in one of `formats`, else
/// RFC 3339, else ISO 8601 without an offset, else an ISO date at midnight.
pub(super) fn parse_datetime(text: &str, formats: &Formats) -> Option<String> {
    let text = text.trim();
    if let Some(read) = formats.own.iter().find_map(|format| read(text, format)) {
        let naive = read.date.and_time(read.time);
        return Some(match read.offset {
            Some(offset) => with_offset(naive, offset),
            None => naive_text(naive),
        });
    }
    if let Ok(datetime) = DateTime::parse_from_rfc3339(text) {
        return Some(with_offset(datetime.naive_local(), *datetime.offset()));
    }
    ISO_NAIVE
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .or_else(|| {
            NaiveDate::parse_from_str(text, ISO_DATE)
                .ok()
                .map(|date| date.and_time(NaiveTime::MIN))
        })
        .map(naive_text)
}

/// A datetime without an offset in ISO 8601; fractions of a second only when there are
/// some.
pub(super) fn naive_text(datetime: NaiveDateTime) -> String {
    datetime.format("%Y-%m-%dT%H:%M:%S%.f").to_string()
}

fn with_offset(local: NaiveDateTime, offset: FixedOffset) -> String {
    format!("{}{}", naive_text(local), offset)
}

/// Dates from date cells, or from text (numbers included: only a workbook cell styled as a
/// date is a date without being read) in the rule's formats, else ISO 8601. A datetime cell
/// whose time is not midnight is not a date.
pub(super) fn date_expr(rule: &PropertyRule, value: Expr, text: Expr, dtype: &DataType) -> Expr {
    match dtype {
        DataType::Date => value,
        DataType::Datetime(unit, zone) => {
            let date = value.clone().cast(DataType::Date);
            let midnight = date.clone().cast(DataType::Datetime(*unit, zone.clone()));
            when(midnight.eq(value))
                .then(date)
                .otherwise(lit(NULL).cast(DataType::Date))
        }
        _ => {
            let formats = Formats::new(&rule.formats);
            text.map(
                move |column| {
                    let texts = column.str()?;
                    let days: Int32Chunked = texts
                        .iter()
                        .map(|v| v.and_then(|t| parse_date(t, &formats)).map(epoch_days))
                        .collect();
                    Ok(days
                        .with_name(texts.name().clone())
                        .into_date()
                        .into_column())
                },
                |_, field| Ok(Field::new(field.name().clone(), DataType::Date)),
            )
        }
    }
}

/// Years (`xsd:gYear`) as four digits: a year as written, or the year of a date (a date
/// cell, or text in the rule's formats, else ISO 8601).
pub(super) fn year_expr(rule: &PropertyRule, value: Expr, text: Expr, dtype: &DataType) -> Expr {
    match dtype {
        DataType::Date | DataType::Datetime(..) => value.dt().strftime("%Y"),
        _ => {
            let formats = Formats::new(&rule.formats);
            each_text(text, move |t| parse_year(t, &formats))
        }
    }
}

/// A year written alone (`1998`), or the year of a date in `formats`.
fn parse_year(text: &str, formats: &Formats) -> Option<String> {
    let text = text.trim();
    if text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit()) {
        return Some(text.to_string());
    }
    parse_date(text, formats).map(|date| date.format("%Y").to_string())
}

/// Datetimes as ISO 8601 text, their time and offset kept: from date and datetime cells,
/// or from text in the rule's formats, else ISO 8601.
pub(super) fn datetime_expr(
    rule: &PropertyRule,
    value: Expr,
    text: Expr,
    dtype: &DataType,
) -> Expr {
    match dtype {
        DataType::Date => value.dt().strftime("%Y-%m-%dT00:00:00"),
        DataType::Datetime(_, None) => value.dt().strftime("%Y-%m-%dT%H:%M:%S%.f"),
        DataType::Datetime(_, Some(_)) => value.dt().strftime("%Y-%m-%dT%H:%M:%S%.f%:z"),
        _ => {
            let formats = Formats::new(&rule.formats);
            each_text(text, move |t| parse_datetime(t, &formats))
        }
    }
}

/// Days since 1970-01-01, as polars keeps dates.
fn epoch_days(date: NaiveDate) -> i32 {
    const EPOCH_DAYS_FROM_CE: i32 = 719_163;
    chrono::Datelike::num_days_from_ce(&date) - EPOCH_DAYS_FROM_CE
}

#[cfg(test)]
mod tests {
    use super::*;

    fn formats(list: &[&str]) -> Formats {
        let list: Vec<String> = list.iter().map(|f| f.to_string()).collect();
        Formats::new(&list)
    }

    #[test]
    fn datetimes_keep_their_time_and_offset() {
        let none = formats(&[]);
        let read = |text| parse_datetime(text, &none);
        assert_eq!(
            read("2011-09-27T16:15:27").as_deref(),
            Some("2011-09-27T16:15:27")
        );
        assert_eq!(
            read("2011-09-27T16:15:27.25+02:00").as_deref(),
            Some("2011-09-27T16:15:27.250+02:00")
        );
        assert_eq!(
            read("2011-09-27T16:15:27Z").as_deref(),
            Some("2011-09-27T16:15:27+00:00")
        );
        assert_eq!(
            read("2011-09-27 16:15").as_deref(),
            Some("2011-09-27T16:15:00")
        );
        assert_eq!(read("2011-09-27").as_deref(), Some("2011-09-27T00:00:00"));
        assert_eq!(read("27/09/2011 16:15"), None);
        let day_first = formats(&["%d/%m/%Y %H:%M"]);
        assert_eq!(
            parse_datetime("27/09/2011 16:15", &day_first).as_deref(),
            Some("2011-09-27T16:15:00")
        );
        assert_eq!(parse_datetime("2011-13-01T00:00:00", &none), None);
    }

    #[test]
    fn dates_read_the_formats_given_then_iso() {
        let year = formats(&["%Y"]);
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(parse_date("2004", &year), date(2004, 1, 1));
        assert_eq!(parse_date("2004-03-12", &year), date(2004, 3, 12));
        assert_eq!(
            parse_date("12/03/2004", &formats(&["%d/%m/%Y"])),
            date(2004, 3, 12)
        );
        assert_eq!(parse_date("2004-02-30", &year), None);
        // A time of day is not a date's.
        assert_eq!(
            parse_date("2011-09-27 16:15", &formats(&["%Y-%m-%d %H:%M"])),
            None
        );
        assert_eq!(
            parse_date("2011-09-27 00:00", &formats(&["%Y-%m-%d %H:%M"])),
            date(2011, 9, 27)
        );
    }
}
