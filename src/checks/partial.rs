//! A shard's share of a slice's checks (`run --shard`), and the checks finished over every
//! shard (`merge`). What a shard tallied row by row is summed; what needs every shard's
//! things (uniqueness, and links, which a shard never checks) is checked once, over all
//! of them, by the same code as a single run's: a merged report is a single run's report.

use std::collections::BTreeMap;
use std::sync::Arc;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::{Identities, Quarantine, Scorer, Unmet};
use crate::columns::{ID, ROW_COLUMN};
use crate::quality::{Dimension, Tally};
use crate::source::{Origin, OriginKind};

/// The column of [`Partial::links`] that says which link rule a target is of.
pub const LINK_RULE: &str = "link";

/// A slice's checks as one shard left them, before its things could be compared with the
/// other shards'. The frames are kept beside it as Parquet; the rest as JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Partial {
    pub dimensions: BTreeMap<Dimension, Tally>,
    pub properties: BTreeMap<String, BTreeMap<Dimension, Tally>>,
    /// Not yet ordered (most rows first happens once every part is in).
    pub quarantine: Quarantine,
    /// (property, column, code, count, first met).
    pub unmapped: Vec<(String, String, String, u64, String)>,
    /// (property, column, pattern, code, count).
    pub matched: Vec<(String, String, String, String, u64)>,
    pub place: Place,
    /// The failures found, with [`ROW_COLUMN`] (failure rows as a single run has them).
    #[serde(skip)]
    pub failures: DataFrame,
    /// The shard's things: [`ROW_COLUMN`] and [`ID`], in row order.
    #[serde(skip)]
    pub things: DataFrame,
    /// Every link's targets, with [`LINK_RULE`]: checked by `merge`.
    #[serde(skip)]
    pub links: DataFrame,
}

/// Where a slice's rows come from, as [`Origin`] says it, kept with a partial.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Place {
    file: String,
    /// `lines`, `rows` or a sheet's name.
    sheet: Option<String>,
    rows: bool,
    letters: Vec<(String, String)>,
}

impl From<&Origin> for Place {
    fn from(origin: &Origin) -> Self {
        let (sheet, rows, letters) = match &origin.kind {
            OriginKind::Lines => (None, false, Vec::new()),
            OriginKind::Rows => (None, true, Vec::new()),
            OriginKind::Sheet { sheet, letters, .. } => {
                (Some(sheet.clone()), false, letters.clone())
            }
        };
        Self {
            file: origin.file.clone(),
            sheet,
            rows,
            letters,
        }
    }
}

impl Place {
    /// The origin: a sheet's merged cells are not kept (they only make cells read blank).
    pub fn origin(&self) -> Origin {
        let kind = match (&self.sheet, self.rows) {
            (Some(sheet), _) => OriginKind::Sheet {
                sheet: sheet.clone(),
                letters: self.letters.clone(),
                merged: Arc::from(Vec::new()),
            },
            (None, true) => OriginKind::Rows,
            (None, false) => OriginKind::Lines,
        };
        Origin {
            file: self.file.clone(),
            kind,
        }
    }
}

impl Scorer<'_> {
    /// What this scorer holds before its slice's things are compared with other shards'.
    pub fn partial(&self) -> PolarsResult<Partial> {
        let frames = |frames: Vec<LazyFrame>| -> PolarsResult<DataFrame> {
            match frames.is_empty() {
                true => Ok(DataFrame::empty()),
                false => concat(frames, UnionArgs::default())?.collect(),
            }
        };
        let failures = frames(self.failures.iter().map(|f| f.clone().lazy()).collect())?;
        let (rows, ids): (Vec<u64>, Vec<&str>) =
            self.things.iter().map(|(r, id)| (*r, id.as_str())).unzip();
        let things = DataFrame::new(
            rows.len(),
            vec![
                Column::new(ROW_COLUMN.into(), rows),
                Column::new(ID.into(), ids),
            ],
        )?;
        let links = (self.deferred.iter())
            .map(|(index, targets)| {
                let rule = u32::try_from(*index).unwrap_or(u32::MAX);
                targets
                    .clone()
                    .lazy()
                    .with_column(lit(rule).cast(DataType::UInt32).alias(LINK_RULE))
            })
            .collect();
        Ok(Partial {
            dimensions: self.conformance.dimensions.clone(),
            properties: self.conformance.properties.clone(),
            quarantine: self.conformance.quarantine.clone(),
            unmapped: (self.unmapped.iter())
                .map(|((p, c, code), unmet)| {
                    (
                        p.clone(),
                        c.clone(),
                        code.clone(),
                        unmet.count,
                        unmet.first.clone(),
                    )
                })
                .collect(),
            matched: (self.matched.iter())
                .map(|((p, c, pattern, code), n)| {
                    (p.clone(), c.clone(), pattern.clone(), code.clone(), *n)
                })
                .collect(),
            place: Place::from(&self.origin),
            failures,
            things,
            links: frames(links)?,
        })
    }

    /// Takes in a shard's partial, as if its batches had followed those already in.
    fn absorb(&mut self, part: Partial) -> PolarsResult<()> {
        for (dimension, tally) in part.dimensions {
            self.conformance
                .dimensions
                .entry(dimension)
                .or_default()
                .add(tally);
        }
        for (property, dimensions) in part.properties {
            let mine = self.conformance.properties.entry(property).or_default();
            for (dimension, tally) in dimensions {
                mine.entry(dimension).or_default().add(tally);
            }
        }
        self.conformance.quarantine.absorb(part.quarantine);
        for (property, column, code, count, first) in part.unmapped {
            let unmet = self.unmapped.entry((property, column, code));
            unmet.or_insert(Unmet { count: 0, first }).count += count;
        }
        for (property, column, pattern, code, count) in part.matched {
            *self
                .matched
                .entry((property, column, pattern, code))
                .or_default() += count;
        }
        if part.failures.height() > 0 {
            self.failures.push(part.failures);
        }
        if part.links.height() > 0 {
            let rules = part.links.column(LINK_RULE)?.u32()?;
            let mut seen: Vec<u32> = rules.iter().flatten().collect();
            seen.sort_unstable();
            seen.dedup();
            for rule in seen {
                let targets = (part.links.clone().lazy())
                    .filter(col(LINK_RULE).eq(lit(rule)))
                    .drop(cols([LINK_RULE]))
                    .collect()?;
                self.deferred.push((rule as usize, targets));
            }
        }
        Ok(())
    }
}

/// Every slice's scorer with its shards' partials taken in (in shard order), and every
/// shard's things in `identities`: ready for [`Scorer::finish`].
pub fn resume_all<'a>(
    slices: Vec<(Scorer<'a>, Vec<Partial>)>,
    identities: &Identities,
) -> PolarsResult<Vec<Scorer<'a>>> {
    let mut resumed = Vec::with_capacity(slices.len());
    for (mut scorer, parts) in slices {
        for part in &parts {
            let ids = part.things.column(ID)?.str()?;
            let rows = part.things.column(ROW_COLUMN)?.u64()?;
            let things: Vec<(&str, u64)> = (ids.iter().zip(rows.iter()))
                .filter_map(|(id, row)| Some((id?, row?)))
                .collect();
            let repeats = identities.record(&scorer.conformance.slice, &things);
            scorer.repeats.extend(repeats);
        }
        for part in parts {
            scorer.absorb(part)?;
        }
        resumed.push(scorer);
    }
    Ok(resumed)
}
