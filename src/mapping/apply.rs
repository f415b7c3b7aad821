//! A compiled mapping applied to a batch of a slice's rows: the things, the values that
//! failed, and the rows that could not become things.

use polars::prelude::*;

use super::Compiled;
use crate::columns::{
    DIMENSION, ID, PROPERTY, REASON, ROW_COLUMN, SOURCE_COLUMN, VALUE, data_columns, hidden, shown,
    text_of,
};

/// The column of a quarantined row's reason in [`MappedRows::quarantine`].
pub fn quarantine_reason() -> String {
    hidden("quarantine")
}

/// Where a failure reason of property P sits while mapping.
fn failure_column(property: &str) -> String {
    hidden(&format!("failure:{property}"))
}

/// Where the raw text a failed value of property P came from sits while mapping.
fn raw_column(property: &str) -> String {
    hidden(&format!("raw:{property}"))
}

/// Where the cell of a value of property P that sits outside its thing's row (read through
/// a link, or from an attribute row) is kept in [`MappedRows::entities`].
pub fn cell_column(property: &str) -> String {
    hidden(&format!("cell:{property}"))
}

/// Where that cell is kept in [`MappedRows::failed_values`]: null for a value in the
/// thing's own row.
pub fn failed_cell() -> String {
    hidden("cell")
}

/// A compiled mapping's result over a slice's rows.
#[derive(Debug, Clone)]
pub struct MappedRows {
    /// `__row`, id, class, label, then properties and links in mapping order; only rows that
    /// became things, in source order.
    pub entities: DataFrame,
    /// `__row`, id, property, column, dimension, value, reason: one row per value that
    /// failed to map (not a failed check: the checks judge them).
    pub failed_values: DataFrame,
    /// `__row`, why (in [`quarantine_reason`]), then the slice's columns: the rows that could
    /// not become things.
    pub quarantine: DataFrame,
}

/// Applies a compiled mapping to a batch of a slice's rows.
pub fn apply(compiled: &Compiled, rows: &DataFrame) -> PolarsResult<MappedRows> {
    let reason = quarantine_reason();
    let mut selection = vec![col(ROW_COLUMN)];
    for (name, expr) in &compiled.columns {
        selection.push(expr.clone().alias(name.as_str()));
    }
    for f in &compiled.failures {
        selection.push(f.reason.clone().alias(failure_column(&f.property)));
        selection.push(f.raw.clone().alias(raw_column(&f.property)));
        if let Some(cell) = &f.cell {
            selection.push(cell.clone().alias(cell_column(&f.property)));
        }
    }
    selection.push(col(reason.as_str()));
    let mut staged = rows.clone().lazy();
    for level in &compiled.staged {
        staged = staged.with_columns(
            level
                .iter()
                .map(|(name, expr)| expr.clone().alias(name.as_str()))
                .collect::<Vec<_>>(),
        );
    }
    let staged = staged
        .with_column(compiled.quarantine.clone().alias(reason.as_str()))
        .collect()?;
    let mapped = staged.clone().lazy().select(selection).collect()?;
    // The quarantined rows are taken from the very rows their reason was found in: the
    // quarantine and the account agree by construction. They hold each value as the source
    // wrote it (`5`, not the `5.0` its inferred column reads), for the user to fix there.
    let mut quarantined = vec![col(ROW_COLUMN), col(reason.as_str())];
    let schema = rows.schema();
    quarantined.extend(data_columns(rows).into_iter().map(|column| {
        let written = text_of(&column);
        match schema.contains(&written) {
            true => col(written.as_str()).alias(column.as_str()),
            false => col(column.as_str()),
        }
    }));
    let quarantine = staged
        .lazy()
        .filter(col(reason.as_str()).is_not_null())
        .select(quarantined)
        .collect()?;
    // The rows that became things, filtered once for the failures and the entities.
    let kept = mapped
        .lazy()
        .filter(col(reason.as_str()).is_null())
        .collect()?;
    let failed_values = failed_values(compiled, &kept)?;
    let mut keep = vec![col(ROW_COLUMN)];
    keep.extend(compiled.columns.iter().map(|(name, _)| col(name.as_str())));
    keep.extend(
        compiled
            .failures
            .iter()
            .filter(|f| f.cell.is_some())
            .map(|f| col(cell_column(&f.property))),
    );
    // Things stay in source order, so a slice can be mapped batch by batch.
    let entities = kept.lazy().select(keep).collect()?;
    Ok(MappedRows {
        entities,
        failed_values,
        quarantine,
    })
}

/// One row per value of the things in `kept` that failed to map, in row order.
fn failed_values(compiled: &Compiled, kept: &DataFrame) -> PolarsResult<DataFrame> {
    let frames: Vec<LazyFrame> = compiled
        .failures
        .iter()
        .map(|f| {
            let reason = failure_column(&f.property);
            kept.clone()
                .lazy()
                .filter(col(reason.as_str()).is_not_null())
                .select([
                    col(ROW_COLUMN),
                    col(ID),
                    lit(f.property.clone()).alias(PROPERTY),
                    lit(f.column.as_deref().map(shown).unwrap_or_default()).alias(SOURCE_COLUMN),
                    lit(f.dimension.as_str()).alias(DIMENSION),
                    col(raw_column(&f.property)).alias(VALUE),
                    col(reason.as_str()).alias(REASON),
                    match f.cell {
                        Some(_) => col(cell_column(&f.property)),
                        None => lit(NULL).cast(DataType::String),
                    }
                    .alias(failed_cell()),
                ])
        })
        .collect();
    if frames.is_empty() {
        let text = |name: &str| Column::new_empty(name.into(), &DataType::String);
        return DataFrame::new(
            0,
            vec![
                Column::new_empty(ROW_COLUMN.into(), &DataType::UInt64),
                text(ID),
                text(PROPERTY),
                text(SOURCE_COLUMN),
                text(DIMENSION),
                text(VALUE),
                text(REASON),
                text(&failed_cell()),
            ],
        );
    }
    concat(frames, UnionArgs::default())?
        .sort([ROW_COLUMN, PROPERTY], SortMultipleOptions::default())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::compile;
    use crate::mapping::fixtures::{mapping, rdl, rows, some, texts};

    const MAPPING: &str = r#"slice: assets
class: { from: Type, values: { PUMP: Pump, VLV: Valve } }
id: "https://data.test/asset/{ID}"
label: "{Name} ({ID})"
properties:
  power: { from: Power, unit: kW, unit_in_value: true }
  state: { from: Status, values: { "in service": InService, out: OutOfService }, case: lower }
  installed: { from: Installed, formats: ["%d/%m/%Y"] }
  metered: { from: Metered }
  tags: { from: Tags, split: "|" }
  name: { value: pump }
links:
  site: { slice: sites, id: "https://data.test/site/{Site}" }
"#;

    const COLUMNS: [&str; 9] = [
        "ID",
        "Type",
        "Name",
        "Power",
        "Status",
        "Installed",
        "Metered",
        "Tags",
        "Site",
    ];

    /// Six rows from line 2: three become things (the third with values that fail), three
    /// cannot (no id, an unmapped class code, no class code).
    fn applied() -> MappedRows {
        let rdl = rdl();
        let mapping = mapping(&rdl, &COLUMNS, MAPPING).expect("valid mapping");
        let values: [&[Option<&str>]; 9] = [
            &[
                Some("P1"),
                Some("P 2"),
                Some("P3"),
                None,
                Some("P5"),
                Some("P6"),
            ],
            &[
                Some("PUMP"),
                Some("VLV"),
                Some("PUMP"),
                Some("PUMP"),
                Some("XXX"),
                None,
            ],
            &[Some("Well"), None, Some("Dry"), None, None, None],
            &[Some("5 kW"), Some("300 W"), Some("abc"), None, None, None],
            &[
                Some(" In Service "),
                Some("OUT"),
                Some("broken"),
                None,
                None,
                None,
            ],
            &[
                Some("27/09/2011"),
                Some("2011-09-28"),
                Some("45/45/2011"),
                None,
                None,
                None,
            ],
            &[Some("yes"), Some("n"), Some("maybe"), None, None, None],
            &[Some("a|b"), None, Some("c"), None, None, None],
            &[Some("S1"), Some("S1"), None, None, None, None],
        ];
        let columns: Vec<(&str, &[Option<&str>])> = COLUMNS.iter().copied().zip(values).collect();
        let rows = rows(2, &columns);
        let compiled = compile(&mapping, &rdl, rows.schema());
        apply(&compiled, &rows).expect("applied")
    }

    #[test]
    fn rows_become_things_with_their_values_in_the_rdl_terms() {
        let things = applied().entities;
        assert_eq!(texts(&things, ROW_COLUMN), some(&["2", "3", "4"]));
        assert_eq!(
            texts(&things, ID),
            some(&[
                "https://data.test/asset/P1",
                "https://data.test/asset/P%202",
                "https://data.test/asset/P3"
            ])
        );
        assert_eq!(texts(&things, "class"), some(&["Pump", "Valve", "Pump"]));
        // An empty field is left out of a label, with the space after it.
        assert_eq!(
            texts(&things, "label"),
            some(&["Well (P1)", "(P 2)", "Dry (P3)"])
        );
        // 5 kW and 300 W in watts; `abc` fails.
        assert_eq!(
            texts(&things, "power"),
            [Some("5000.0".into()), Some("300.0".into()), None]
        );
        assert_eq!(
            texts(&things, "state"),
            [Some("InService".into()), Some("OutOfService".into()), None]
        );
        assert_eq!(
            texts(&things, "installed"),
            [Some("2011-09-27".into()), Some("2011-09-28".into()), None]
        );
        assert_eq!(
            texts(&things, "metered"),
            [Some("true".into()), Some("false".into()), None]
        );
        assert_eq!(texts(&things, "name"), some(&["pump", "pump", "pump"]));
        assert_eq!(
            texts(&things, "site"),
            [
                Some("https://data.test/site/S1".into()),
                Some("https://data.test/site/S1".into()),
                None
            ]
        );
        let lists = things
            .column("tags")
            .expect("tags")
            .list()
            .expect("lists")
            .clone();
        let tags: Vec<Option<Vec<String>>> = (0..lists.len())
            .map(|i| lists.get_as_series(i))
            .map(|values| {
                values.map(|v| {
                    v.str()
                        .expect("text")
                        .iter()
                        .flatten()
                        .map(str::to_string)
                        .collect()
                })
            })
            .collect();
        assert_eq!(
            tags,
            [
                Some(vec!["a".to_string(), "b".to_string()]),
                None,
                Some(vec!["c".to_string()])
            ]
        );
    }

    #[test]
    fn values_that_do_not_map_are_failures_with_the_text_as_written() {
        let failures = applied().failed_values;
        assert_eq!(texts(&failures, ROW_COLUMN), some(&["4", "4", "4", "4"]));
        assert_eq!(
            texts(&failures, "property"),
            some(&["installed", "metered", "power", "state"])
        );
        assert_eq!(
            texts(&failures, "value"),
            some(&["45/45/2011", "maybe", "abc", "broken"])
        );
        assert_eq!(
            texts(&failures, "reason"),
            some(&[
                "not a date in `%d/%m/%Y`, `%Y-%m-%d`",
                "not a yes/no value",
                "not a number in a known unit (W, kW)",
                "not mapped to an allowed value of `state`",
            ])
        );
        assert_eq!(
            texts(&failures, "dimension"),
            some(&["validity", "validity", "validity", "conformity"])
        );
        assert_eq!(
            texts(&failures, "column"),
            some(&["Installed", "Metered", "Power", "Status"])
        );
    }

    #[test]
    fn rows_that_cannot_be_things_are_quarantined_with_the_reason() {
        let quarantine = applied().quarantine;
        assert_eq!(texts(&quarantine, ROW_COLUMN), some(&["5", "6", "7"]));
        // The rows as the slice had them come along.
        assert_eq!(
            texts(&quarantine, "Type"),
            [Some("PUMP".into()), Some("XXX".into()), None]
        );
        assert_eq!(
            texts(&quarantine, &quarantine_reason()),
            some(&[
                "no identifier: `ID` empty",
                "no class: `Type` code `XXX` is not mapped",
                "no class: `Type` is empty",
            ])
        );
    }
}
