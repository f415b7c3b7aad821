//! The column names thinslice gives: the row column every frame carries, the origin column
//! of written tables, the columns of an entities table, and the prefix of the hidden columns
//! computed on the way. A leaf: readers, slices, mappings, checks and writers all name them.

use polars::prelude::*;

/// The column that carries each row's position in its source: the line of a CSV file, the
/// row of a sheet, the 1-based row of a Parquet file. Reserved: no source column may use it.
pub const ROW_COLUMN: &str = "__row";

/// The column that carries each row's 1-based position among its source's data rows (the
/// first row after the header is 1), for `{_row}`. Hidden: no written table holds it.
pub const DATA_ROW: &str = "__thinslice:data-row";

/// Where each row of a written table came from: `file.csv:12`, `book.xlsx:Assets!A17:I17`.
pub const ORIGIN_COLUMN: &str = "_origin";

/// The start of the hidden columns computed while mapping and checking; a source column may
/// not be named so.
pub const STAGED_PREFIX: &str = "__thinslice:";

/// The id column of an entities table.
pub const ID: &str = "id";
/// The class column of an entities table: the RDL term.
pub const CLASS: &str = "class";
/// The label column of an entities table.
pub const LABEL: &str = "label";

/// A failed check's dimension, in a table of failed checks (`failures/SLICE.csv`).
pub const DIMENSION: &str = "dimension";
/// The property checked (`class`, `id`, an RDL property, `check:NAME`).
pub const PROPERTY: &str = "property";
/// The value as the source wrote it.
pub const VALUE: &str = "value";
/// The rule the value broke.
pub const RULE: &str = "rule";
/// Where a failed value sits: its cell (`book.xlsx:Assets!D17`) or its row (`file.csv:12`).
/// Unlike [`ORIGIN_COLUMN`], no source column shares the table, so no underscore.
pub const FAILURE_ORIGIN: &str = "origin";
/// The columns of a table of failed checks, in order.
pub const FAILURE_COLUMNS: [&str; 6] = [DIMENSION, ID, PROPERTY, VALUE, RULE, FAILURE_ORIGIN];

/// Why a row became no thing (a quarantine table), or why a value did not map.
pub const REASON: &str = "reason";
/// The source column a value that did not map came from.
pub const SOURCE_COLUMN: &str = "column";

/// A hidden column's name: `what` under [`STAGED_PREFIX`], so it cannot meet a source's.
pub fn hidden(what: &str) -> String {
    format!("{STAGED_PREFIX}{what}")
}

/// The hidden column holding a numeric column's values as the source wrote them (a CSV
/// file's text, a workbook cell's displayed number): templates render those, whatever type
/// the column was read as.
pub fn text_of(column: &str) -> String {
    hidden(&format!("text:{column}"))
}

/// The hidden column holding a column read through a link (`type.Category`: the `Category`
/// of the thing the `type` link points at), joined to a batch before it is mapped.
pub fn looked_up(name: &str) -> String {
    hidden(&format!("via:{name}"))
}

/// The hidden column holding where each value of a looked-up column sits (the target's
/// cell), for a failure to point at the cell the value came from.
pub fn origin_of(column: &str) -> Option<String> {
    column
        .strip_prefix(STAGED_PREFIX)
        .and_then(|c| c.strip_prefix("via:"))
        .map(|name| hidden(&format!("at:{name}")))
}

/// A column as messages name it: a looked-up column as the mapping wrote it
/// (`type.Category`), any other as it is.
pub fn shown(column: &str) -> &str {
    column
        .strip_prefix(STAGED_PREFIX)
        .and_then(|c| c.strip_prefix("via:"))
        .unwrap_or(column)
}

/// Whether a source header is one thinslice keeps for itself.
pub fn is_reserved(name: &str) -> bool {
    name == ROW_COLUMN || name.starts_with(STAGED_PREFIX)
}

/// A frame's column names without [`ROW_COLUMN`] and the hidden columns: the columns that
/// hold data.
pub fn data_columns(frame: &DataFrame) -> Vec<String> {
    frame
        .get_column_names()
        .into_iter()
        .filter(|name| !is_reserved(name))
        .map(|name| name.to_string())
        .collect()
}

/// A copy of `frame` whose texts own their bytes. polars' text columns are views into
/// shared buffers: a few failed rows kept from a batch would otherwise keep all of that
/// batch's text alive, and memory would grow with every batch.
pub fn detached(frame: &DataFrame) -> PolarsResult<DataFrame> {
    let columns = frame
        .columns()
        .iter()
        .map(|column| match column.dtype() {
            DataType::String => {
                let texts = column.str()?;
                let copy: StringChunked = texts.iter().collect();
                Ok(copy.with_name(texts.name().clone()).into_column())
            }
            _ => Ok(column.clone()),
        })
        .collect::<PolarsResult<Vec<Column>>>()?;
    DataFrame::new(frame.height(), columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_columns_are_reserved_and_data_columns_skip_the_row() {
        assert!(is_reserved(&hidden("value:ratedPower")));
        assert!(is_reserved(ROW_COLUMN));
        assert!(!is_reserved(ORIGIN_COLUMN));
        assert!(!is_reserved("__rows"));
        let frame =
            polars::df!(ROW_COLUMN => [1u64], "a" => [2.0], text_of("a") => ["2"]).expect("frame");
        assert_eq!(data_columns(&frame), ["a"]);
    }
}
