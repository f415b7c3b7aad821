//! `rdl:` in `thinslice.yaml`: one file, or a list of layers read first to last, each a
//! path or `{ path, format }`; and `prefixes:`, the CURIE prefixes every layer may use.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::WorkspaceError;
use crate::diag::YamlFile;
use crate::rdl::{LayerFile, Prefixes, RdlFormat, TableColumns, TableKind, TableLayer};
use crate::source::Source;

/// `rdl:` as written.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum RdlSetting {
    One(LayerYaml),
    Layers(Vec<LayerYaml>),
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum LayerYaml {
    Path(String),
    File(FileLayer),
    Table(Box<TableLayerYaml>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileLayer {
    path: String,
    format: Option<RdlFormat>,
    /// The layer is the foundation model: grounded terms reach its top classes.
    #[serde(default)]
    foundation: bool,
}

/// `{ table: { source, kind, namespace, columns: { code, ... } } }`: a layer read from a
/// source of the workspace.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TableLayerYaml {
    table: TableYaml,
    #[serde(default)]
    foundation: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TableYaml {
    source: String,
    kind: TableKind,
    namespace: String,
    columns: TableColumns,
    parent_by_prefix: Option<String>,
}

/// The layers `rdl:` names, each a file that is there in a format thinslice reads, or a
/// table read from one of the `sources`.
pub(super) fn layers(
    file: &YamlFile,
    root: &Path,
    setting: &Spanned<RdlSetting>,
    sources: &BTreeMap<String, Source>,
    problems: &mut Vec<WorkspaceError>,
) -> Vec<LayerFile> {
    let entries: Vec<&LayerYaml> = match &setting.value {
        RdlSetting::One(layer) => vec![layer],
        RdlSetting::Layers(layers) => layers.iter().collect(),
    };
    let span = file.span(&setting.referenced);
    let mut layers = Vec::new();
    for layer in entries {
        let (path, format, foundation) = match layer {
            LayerYaml::Path(path) => (path.as_str(), None, false),
            LayerYaml::File(f) => (f.path.as_str(), f.format, f.foundation),
            LayerYaml::Table(t) => {
                let at = file.sub_span(span, &t.table.source);
                match sources.get(&t.table.source) {
                    Some(source) => layers.push(table_layer(file, at, source, t)),
                    None => problems.push(WorkspaceError::TableSource {
                        source_id: t.table.source.clone(),
                        help: crate::diag::suggest(
                            &t.table.source,
                            sources.keys().map(String::as_str),
                            "sources",
                        ),
                        src: file.source(),
                        span: at,
                    }),
                }
                continue;
            }
        };
        let at = file.sub_span(span, path);
        let full = root.join(path);
        if !full.is_file() {
            problems.push(WorkspaceError::Missing {
                what: "RDL file",
                path: path.to_string(),
                src: file.source(),
                span: at,
            });
            continue;
        }
        let Some(format) = format.or_else(|| RdlFormat::from_path(&full)) else {
            problems.push(WorkspaceError::RdlFormat {
                path: path.to_string(),
                src: file.source(),
                span: at,
            });
            continue;
        };
        layers.push(LayerFile {
            path: full,
            display: path.to_string(),
            format,
            foundation,
            table: None,
        });
    }
    layers
}

fn table_layer(
    file: &YamlFile,
    at: miette::SourceSpan,
    source: &Source,
    written: &TableLayerYaml,
) -> LayerFile {
    let t = &written.table;
    LayerFile {
        path: source.path.clone(),
        display: source.display.clone(),
        format: RdlFormat::Table,
        foundation: written.foundation,
        table: Some(Box::new(TableLayer {
            source: source.clone(),
            kind: t.kind,
            namespace: t.namespace.clone(),
            columns: t.columns.clone(),
            parent_by_prefix: t.parent_by_prefix.clone(),
            config: crate::diag::ConfigSpan {
                src: file.source(),
                span: at,
            },
        })),
    }
}

/// `prefixes:`: prefix → namespace.
pub(super) fn prefixes(written: &BTreeMap<String, String>) -> Prefixes {
    let mut prefixes = Prefixes::default();
    for (prefix, namespace) in written {
        prefixes.add(prefix, namespace);
    }
    prefixes
}
