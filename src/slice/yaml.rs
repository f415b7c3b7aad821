//! A slice file's YAML as written: parsed with spans, before any check.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_saphyr::Spanned;

use crate::quality::ThresholdYaml;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SliceYaml {
    pub(super) source: Spanned<String>,
    #[serde(rename = "where")]
    pub(super) condition: Option<Spanned<String>>,
    pub(super) columns: Option<Vec<Spanned<ColumnPick>>>,
    /// `key: Asset ID` or `key: [Site, Asset ID]`.
    pub(super) key: Option<Spanned<crate::diag::Names>>,
    #[allow(dead_code)]
    pub(super) description: Option<String>,
    /// Thresholds for this slice, overriding the workspace's dimension by dimension.
    #[serde(default)]
    pub(super) quality: BTreeMap<String, Spanned<ThresholdYaml>>,
    /// This slice's handling marking, over the workspace's.
    pub(super) marking: Option<crate::marking::Marking>,
}

/// A column to keep: `"Asset ID"`, or `"Power (kW)": power_kw` to rename it.
#[derive(Debug, Clone)]
pub(super) struct ColumnPick {
    pub(super) from: String,
    pub(super) to: String,
}

impl<'de> Deserialize<'de> for ColumnPick {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PickVisitor;
        impl<'de> Visitor<'de> for PickVisitor {
            type Value = ColumnPick;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a column name, or `column name: new name`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ColumnPick, E> {
                Ok(ColumnPick {
                    from: v.to_string(),
                    to: v.to_string(),
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ColumnPick, A::Error> {
                let Some((from, to)) = map.next_entry::<String, String>()? else {
                    return Err(de::Error::custom("a rename needs `column name: new name`"));
                };
                if map.next_key::<String>()?.is_some() {
                    return Err(de::Error::custom(
                        "rename one column per list item: `- column name: new name`",
                    ));
                }
                Ok(ColumnPick { from, to })
            }
        }
        deserializer.deserialize_any(PickVisitor)
    }
}
