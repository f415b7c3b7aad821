//! The rows other slices read, kept as their slice streams by ([`Kept`]), and joined to each
//! batch of the slice that reads them ([`Joined`]) as polars joins: a component's batch
//! left-joined to its types by the `type` link's identifier, or to its attribute rows by
//! their keys. A slice is read in full before a slice that looks into it (its source is in
//! an earlier wave), so every batch sees all of it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, PoisonError};

use polars::prelude::*;

use super::compile::{template_expr, written};
use super::lookup::unit_column;
use super::{Attributes, Lookup, Mapping};
use crate::columns::{ID, ROW_COLUMN, hidden, looked_up, origin_of};
use crate::slice::compile_condition;
use crate::source::Origin;

/// What is kept of a slice's rows for the slices that read it.
#[derive(Debug, Default)]
struct Need {
    columns: BTreeSet<String>,
    /// Whether the thing each row became is kept (a link's lookups find it by identifier).
    ids: bool,
}

/// The rows of the slices other slices look into, kept across their batches.
#[derive(Debug, Default)]
pub struct Kept {
    needs: BTreeMap<String, Need>,
    rows: Mutex<BTreeMap<String, Vec<DataFrame>>>,
}

/// Where a kept row's thing's identifier sits.
fn kept_id() -> String {
    hidden("kept:id")
}

/// Where the cell of a kept column's value sits.
fn kept_at(column: &str) -> String {
    hidden(&format!("kept-at:{column}"))
}

/// Whether a lookup through the link found the thing it points at.
pub fn found(link: &str) -> String {
    hidden(&format!("found:{link}"))
}

/// The identifier a link points at, as joined.
pub fn link_target(link: &str) -> String {
    hidden(&format!("link:{link}"))
}

impl Kept {
    /// What `mappings` read of other slices.
    pub fn new<'m>(mappings: impl IntoIterator<Item = &'m Mapping>) -> Self {
        let mut needs: BTreeMap<String, Need> = BTreeMap::new();
        for mapping in mappings {
            for lookup in &mapping.lookups {
                let need = needs.entry(lookup.slice.clone()).or_default();
                need.columns.insert(lookup.column.clone());
                need.ids = true;
            }
            if let Some(attributes) = &mapping.attributes {
                let need = needs.entry(attributes.slice.clone()).or_default();
                need.columns.extend(attributes.columns());
            }
        }
        Self {
            needs,
            rows: Mutex::default(),
        }
    }

    /// Keeps what other slices read of a batch of `slice`'s rows: each column's text as
    /// written and the cell it sits in, and, for a mapped slice, the identifier of the
    /// thing each row became (`things`: its `__row` and `id`).
    pub fn keep(
        &self,
        slice: &str,
        rows: &DataFrame,
        things: Option<&DataFrame>,
        origin: &Origin,
    ) -> PolarsResult<()> {
        let Some(need) = self.needs.get(slice) else {
            return Ok(());
        };
        let schema = rows.schema();
        let mut selection = vec![col(ROW_COLUMN)];
        for column in &need.columns {
            selection.push(
                written(schema, column)
                    .cast(DataType::String)
                    .alias(column.as_str()),
            );
            selection.push(origin.cell_expr(column).alias(kept_at(column)));
        }
        let mut kept = rows.clone().lazy().select(selection);
        // A slice read through a link is mapped (lint sees to it): its rows' things.
        if let (true, Some(things)) = (need.ids, things) {
            let ids = things
                .clone()
                .lazy()
                .select([col(ROW_COLUMN), col(ID).alias(kept_id())]);
            kept = kept.join(ids, [col(ROW_COLUMN)], [col(ROW_COLUMN)], left_join());
        }
        let kept = crate::columns::detached(&kept.collect()?)?;
        self.rows
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(slice.to_string())
            .or_default()
            .push(kept);
        Ok(())
    }

    /// Every kept row of `slice`, in source order.
    fn rows(&self, slice: &str) -> PolarsResult<LazyFrame> {
        let rows = self.rows.lock().unwrap_or_else(PoisonError::into_inner);
        let batches: Vec<LazyFrame> = rows
            .get(slice)
            .map(|b| b.iter().map(|f| f.clone().lazy()).collect())
            .unwrap_or_default();
        match batches.is_empty() {
            false => concat(batches, UnionArgs::default()),
            true => {
                let need = self.needs.get(slice);
                let mut columns = vec![Column::new_empty(ROW_COLUMN.into(), &DataType::UInt64)];
                for column in need.map(|n| &n.columns).into_iter().flatten() {
                    columns.push(Column::new_empty(column.into(), &DataType::String));
                    columns.push(Column::new_empty(kept_at(column).into(), &DataType::String));
                }
                if need.is_some_and(|n| n.ids) {
                    columns.push(Column::new_empty(kept_id().into(), &DataType::String));
                }
                Ok(DataFrame::new(0, columns)?.lazy())
            }
        }
    }

    /// The tables `mapping` joins to each batch of its slice, whose columns have the types
    /// in `schema`: one per link it reads through, one for its attributes.
    pub fn joined(&self, mapping: &Mapping, schema: &Schema) -> PolarsResult<Vec<Joined>> {
        let mut joined = Vec::new();
        for link in &mapping.links {
            let lookups: Vec<&Lookup> = mapping
                .lookups
                .iter()
                .filter(|l| l.link == link.name)
                .collect();
            let Some(slice) = lookups.first().map(|l| l.slice.as_str()) else {
                continue;
            };
            let target = link_target(&link.name);
            let mut selection = vec![col(kept_id()).alias(target.as_str())];
            for lookup in &lookups {
                let column = looked_up(&lookup.name());
                selection.push(col(lookup.column.as_str()).alias(column.as_str()));
                if let Some(at) = origin_of(&column) {
                    selection.push(col(kept_at(&lookup.column)).alias(at));
                }
            }
            selection.push(lit(true).alias(found(&link.name)));
            let table = self
                .rows(slice)?
                .filter(col(kept_id()).is_not_null())
                .unique_stable_generic(Some(vec![col(kept_id())]), UniqueKeepStrategy::First)
                .select(selection)
                .collect()?;
            joined.push(Joined {
                computed: vec![(target.clone(), template_expr(&link.id, schema))],
                keys: vec![target],
                table,
                absent: Vec::new(),
            });
        }
        if let Some(attributes) = &mapping.attributes {
            joined.push(self.attributes(attributes, schema)?);
        }
        Ok(joined)
    }

    /// The attributes a mapping reads, one row per thing they name (its keys), one column
    /// per attribute (with its unit and cell). The first row of an attribute a thing has
    /// twice is the one read.
    fn attributes(&self, attributes: &Attributes, schema: &Schema) -> PolarsResult<Joined> {
        let trimmed = super::text::trimmed;
        let key = |i: usize| hidden(&format!("attribute-key:{i}"));
        let keys: Vec<String> = (0..attributes.keys.len()).map(key).collect();
        let mut rows = self.rows(&attributes.slice)?;
        if let Some(condition) = &attributes.condition
            && let Ok(condition) = compile_condition(condition)
        {
            rows = rows.filter(condition);
        }
        let mut selection: Vec<Expr> = attributes
            .keys
            .iter()
            .enumerate()
            .map(|(i, (theirs, _))| trimmed(col(theirs.as_str())).alias(key(i)))
            .collect();
        selection.push(trimmed(col(attributes.name.as_str())).alias("name"));
        selection.push(col(attributes.value.as_str()).alias("value"));
        selection.push(col(kept_at(&attributes.value)).alias("at"));
        if let Some(unit) = &attributes.unit {
            selection.push(col(unit.as_str()).alias("unit"));
        }
        let rows = rows.select(selection).collect()?;
        let absent = absent_attributes(attributes, &rows)?;
        let key_exprs: Vec<Expr> = keys.iter().map(|k| col(k.as_str())).collect();
        let mut table = rows
            .clone()
            .lazy()
            .filter(col("name").is_in(
                lit(Series::new("wanted".into(), attributes.wanted.clone())).implode(false),
                false,
            ))
            .select(key_exprs.clone())
            .unique_stable_generic(None, UniqueKeepStrategy::First);
        for name in &attributes.wanted {
            let column = looked_up(&attributes.name_of(name));
            let mut values = vec![col("value").alias(column.as_str())];
            if let Some(at) = origin_of(&column) {
                values.push(col("at").alias(at));
            }
            if attributes.unit.is_some() {
                values.push(col("unit").alias(unit_column(&column)));
            }
            let mut selection = key_exprs.clone();
            selection.extend(values);
            let one = rows
                .clone()
                .lazy()
                .filter(col("name").eq(lit(name.clone())))
                .unique_stable_generic(Some(key_exprs.clone()), UniqueKeepStrategy::First)
                .select(selection);
            table = table.join(one, key_exprs.clone(), key_exprs.clone(), left_join());
        }
        let computed = attributes
            .keys
            .iter()
            .enumerate()
            .map(|(i, (_, own))| (key(i), trimmed(written(schema, own))))
            .collect();
        Ok(Joined {
            computed,
            keys,
            table: table.collect()?,
            absent,
        })
    }
}

/// The attributes the mapping reads that no attribute row names (a name misspelled, most
/// often), each with the closest name the rows do have.
fn absent_attributes(attributes: &Attributes, rows: &DataFrame) -> PolarsResult<Vec<Absent>> {
    let names = rows.column("name")?.str()?;
    let present: BTreeSet<&str> = names.iter().flatten().collect();
    Ok(attributes
        .wanted
        .iter()
        .filter(|name| !present.contains(name.as_str()))
        .map(|name| Absent {
            attribute: name.clone(),
            slice: attributes.slice.clone(),
            closest: crate::diag::closest(name, present.iter().copied()).map(str::to_string),
        })
        .collect())
}

/// An attribute a mapping reads that is on no row of its attribute slice: each of its
/// values is missing, which only completeness would otherwise show.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Absent {
    pub attribute: String,
    pub slice: String,
    /// The attribute name of the rows closest to it, if one is close.
    pub closest: Option<String>,
}

/// A left join that keeps the left side's order: a batch's rows stay in source order.
fn left_join() -> JoinArgs {
    JoinArgs {
        maintain_order: MaintainOrderJoin::Left,
        ..JoinArgs::new(JoinType::Left)
    }
}

/// A table joined to each batch of a slice: the batch's `computed` key columns equal the
/// table's `keys`.
#[derive(Debug, Clone)]
pub struct Joined {
    computed: Vec<(String, Expr)>,
    keys: Vec<String>,
    table: DataFrame,
    /// The attributes read that no row names.
    pub absent: Vec<Absent>,
}

/// A batch of rows with the columns of `joined` added, one row for each row it had.
pub fn join(rows: &DataFrame, joined: &[Joined]) -> PolarsResult<DataFrame> {
    let mut frame = rows.clone().lazy();
    for j in joined {
        frame = frame
            .with_columns(
                j.computed
                    .iter()
                    .map(|(name, expr)| expr.clone().alias(name.as_str()))
                    .collect::<Vec<_>>(),
            )
            .join(
                j.table.clone().lazy(),
                j.keys.iter().map(|k| col(k.as_str())).collect::<Vec<_>>(),
                j.keys.iter().map(|k| col(k.as_str())).collect::<Vec<_>>(),
                left_join(),
            );
    }
    frame.collect()
}
