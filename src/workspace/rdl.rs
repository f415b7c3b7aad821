//! `rdl:` in `thinslice.yaml`: one file, or a list of layers read first to last, each a
//! path or `{ path, format }`; and `prefixes:`, the CURIE prefixes every layer may use.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::WorkspaceError;
use crate::diag::YamlFile;
use crate::rdl::{LayerFile, Prefixes, RdlFormat};

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
    Full {
        path: String,
        format: Option<RdlFormat>,
        /// The layer is the foundation model: grounded terms reach its top classes.
        #[serde(default)]
        foundation: bool,
    },
}

/// The layers `rdl:` names, each a file that is there in a format thinslice reads.
pub(super) fn layers(
    file: &YamlFile,
    root: &Path,
    setting: &Spanned<RdlSetting>,
    problems: &mut Vec<WorkspaceError>,
) -> Vec<LayerFile> {
    let written: Vec<(&str, Option<RdlFormat>, bool)> = match &setting.value {
        RdlSetting::One(layer) => vec![entry(layer)],
        RdlSetting::Layers(layers) => layers.iter().map(entry).collect(),
    };
    let span = file.span(&setting.referenced);
    let mut layers = Vec::new();
    for (path, format, foundation) in written {
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
        });
    }
    layers
}

fn entry(layer: &LayerYaml) -> (&str, Option<RdlFormat>, bool) {
    match layer {
        LayerYaml::Path(path) => (path, None, false),
        LayerYaml::Full {
            path,
            format,
            foundation,
        } => (path, *format, *foundation),
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
