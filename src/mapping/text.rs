//! Text kernels that leave a column as it is when none of its values needs changing.
//! Trimming and turning empty texts into nulls are done to every value a mapping reads
//! (an identifier's placeholders, a code before its lookup), and polars' own kernels build
//! a new column each time, value by value; but a value rarely starts or ends with white
//! space, and rarely is empty. One look at each value says whether anything is to be
//! done; most columns are handed on untouched.

use std::borrow::Cow;

use polars::prelude::*;

use crate::source::is_trimmed;

/// The text with white space trimmed from both ends (polars' `strip_chars` of nothing:
/// `str::trim`).
pub(super) fn trimmed(text: Expr) -> Expr {
    cleaned(text, true, false)
}

/// The text, trimmed when `trim`, with an empty text as no text.
pub(super) fn trimmed_or_null(text: Expr, trim: bool) -> Expr {
    cleaned(text, trim, true)
}

fn cleaned(text: Expr, trim: bool, empty_is_null: bool) -> Expr {
    text.cast(DataType::String).map(
        move |column| clean(column, trim, empty_is_null),
        |_, field| Ok(Field::new(field.name().clone(), DataType::String)),
    )
}

fn clean(column: Column, trim: bool, empty_is_null: bool) -> PolarsResult<Column> {
    let texts = column.str()?;
    let changes = |text: &str| (trim && !is_trimmed(text)) || (empty_is_null && text.is_empty());
    if !texts.iter().flatten().any(changes) {
        return Ok(column);
    }
    let out: StringChunked = texts
        .iter()
        .map(|text| {
            let text = text.map(|t| if trim { t.trim() } else { t });
            text.filter(|t| !(empty_is_null && t.is_empty()))
        })
        .collect();
    Ok(out.with_name(texts.name().clone()).into_column())
}

/// `change` applied to each value of a text expression that `needs` it; a column none of
/// whose values needs it is handed on as it is.
pub(super) fn where_needed(
    text: Expr,
    needs: fn(&str) -> bool,
    change: fn(&str) -> Cow<'_, str>,
) -> Expr {
    text.map(
        move |column| {
            let texts = column.str()?;
            if !texts.iter().flatten().any(needs) {
                return Ok(column);
            }
            Ok(texts.apply_values(change).into_column())
        },
        |_, field| Ok(Field::new(field.name().clone(), DataType::String)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(expr: Expr, values: &[Option<&str>]) -> Vec<Option<String>> {
        let frame = df!("v" => values).expect("frame");
        let out = frame
            .lazy()
            .select([expr.alias("v")])
            .collect()
            .expect("run");
        let texts = out.column("v").expect("v").str().expect("text").clone();
        texts.iter().map(|t| t.map(str::to_string)).collect()
    }

    #[test]
    fn trimming_is_polars_strip_chars_and_a_clean_column_is_not_copied() {
        let awkward = [
            Some(" a "),
            Some("\u{3000}b\u{00A0}"),
            Some("\x0Bc\t"),
            None,
            Some(""),
            Some("  "),
            Some("d e"),
            Some("é"),
        ];
        let polars = run(col("v").str().strip_chars(lit(NULL)), &awkward);
        assert_eq!(run(trimmed(col("v")), &awkward), polars);
        let emptied: Vec<Option<String>> = (polars.iter())
            .map(|t| t.clone().filter(|t| !t.is_empty()))
            .collect();
        assert_eq!(run(trimmed_or_null(col("v"), true), &awkward), emptied);
        let untrimmed = run(trimmed_or_null(col("v"), false), &awkward);
        assert_eq!(untrimmed[0].as_deref(), Some(" a "));
        assert_eq!(untrimmed[4], None);

        let clean = Series::new("v".into(), ["pump", "valve", "a long value of many bytes"]);
        let column = clean.clone().into_column();
        let out = clean_column(column.clone());
        let (before, after) = (column.str().expect("s"), out.str().expect("s"));
        // The same buffers: handed on, not rebuilt.
        assert_eq!(
            before
                .downcast_iter()
                .next()
                .map(|a| a.data_buffers().as_ptr()),
            after
                .downcast_iter()
                .next()
                .map(|a| a.data_buffers().as_ptr())
        );
    }

    fn clean_column(column: Column) -> Column {
        clean(column, true, true).expect("clean")
    }
}
