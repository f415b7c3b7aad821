//! `thinslice.yaml`: the sources, the RDL, the slices and mappings folders, the output folder,
//! the quality thresholds. Everything a command needs to find its way around a workspace.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{Diagnostic, NamedSource, SourceSpan};
use serde::Deserialize;
use serde_saphyr::Spanned;
use thiserror::Error;

use crate::diag::{self, YamlError, YamlFile};
use crate::source::{Encoding, Format, Source, SourceOptions};

/// The file that makes a folder a workspace.
pub const WORKSPACE_FILE: &str = "thinslice.yaml";

/// Null sentinels when the workspace names none. Whitespace-only cells are null as well.
const DEFAULT_NULLS: &[&str] = &[""];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkspaceYaml {
    rdl: Option<Spanned<String>>,
    #[serde(default)]
    sources: BTreeMap<String, Spanned<SourceYaml>>,
    slices: Option<String>,
    mappings: Option<String>,
    output: Option<Spanned<String>>,
    nulls: Option<Vec<String>>,
    #[serde(default)]
    quality: BTreeMap<String, Spanned<ThresholdYaml>>,
    outputs: Option<Vec<FileFormat>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceYaml {
    path: Spanned<String>,
    format: Option<Spanned<Format>>,
    sheet: Option<Spanned<String>>,
    header_row: Option<Spanned<u32>>,
    delimiter: Option<Spanned<String>>,
    quote: Option<Spanned<String>>,
    encoding: Option<Spanned<Encoding>>,
    nulls: Option<Vec<String>>,
    whitespace_is_null: Option<bool>,
    infer_types: Option<bool>,
}

/// `{ min: 0.95, severity: fail }`, as written in `thinslice.yaml` or a slice file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ThresholdYaml {
    min: f64,
    #[serde(default)]
    severity: Severity,
}

/// What falling below a quality threshold means for the run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warn,
    #[default]
    Fail,
}

/// The formats a run writes its data in (`outputs:` in `thinslice.yaml`). Reports and
/// failure lists are always written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    /// Slices, things and quarantined rows as Parquet.
    Parquet,
    /// Things and quarantined rows as CSV.
    Csv,
    /// Triples as N-Triples.
    Ntriples,
    /// Triples as Turtle.
    Turtle,
}

/// Which data files a run writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outputs {
    pub parquet: bool,
    pub csv: bool,
    pub ntriples: bool,
    pub turtle: bool,
}

impl Outputs {
    pub const ALL: Self = Self {
        parquet: true,
        csv: true,
        ntriples: true,
        turtle: true,
    };

    fn from_list(formats: &[FileFormat]) -> Self {
        Self {
            parquet: formats.contains(&FileFormat::Parquet),
            csv: formats.contains(&FileFormat::Csv),
            ntriples: formats.contains(&FileFormat::Ntriples),
            turtle: formats.contains(&FileFormat::Turtle),
        }
    }
}

/// The conformance dimensions a threshold can be set on.
pub const DIMENSIONS: &[&str] = &[
    "completeness",
    "validity",
    "conformity",
    "uniqueness",
    "integrity",
];

#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    pub min: f64,
    pub severity: Severity,
}

/// A loaded, checked workspace.
#[derive(Debug)]
pub struct Workspace {
    /// The folder holding `thinslice.yaml`; relative paths in it are relative to this.
    pub root: PathBuf,
    pub file: YamlFile,
    pub sources: BTreeMap<String, Source>,
    pub rdl: Option<PathBuf>,
    pub slices_dir: PathBuf,
    pub mappings_dir: PathBuf,
    pub output_dir: PathBuf,
    pub quality: BTreeMap<String, Threshold>,
    /// The data files `run` and `map` write.
    pub outputs: Outputs,
    /// Rows per batch when a source can be read in batches (`--batch-rows`).
    pub batch_rows: usize,
}

impl Workspace {
    /// Finds `thinslice.yaml` in `dir` and loads it.
    pub fn load(dir: &Path) -> Result<Self, WorkspaceError> {
        let path = dir.join(WORKSPACE_FILE);
        if !path.is_file() {
            return Err(WorkspaceError::NotFound {
                dir: dir.display().to_string(),
            });
        }
        let file = YamlFile::read(&path, WORKSPACE_FILE.to_string())?;
        Self::from_file(dir, file)
    }

    /// Loads a workspace from text already in memory (tests, tools).
    pub fn from_file(root: &Path, file: YamlFile) -> Result<Self, WorkspaceError> {
        let yaml: WorkspaceYaml = file.load()?;
        let mut problems = Vec::new();

        let global_nulls: Vec<String> = yaml
            .nulls
            .clone()
            .unwrap_or_else(|| DEFAULT_NULLS.iter().map(|s| s.to_string()).collect());

        let mut sources = BTreeMap::new();
        for (id, spec) in yaml.sources {
            match resolve_source(root, &file, &id, spec, &global_nulls) {
                Ok(source) => {
                    sources.insert(id, source);
                }
                Err(err) => problems.push(err),
            }
        }

        let quality = thresholds(&file, yaml.quality, &mut problems);

        if problems.len() == 1
            && let Some(only) = problems.pop()
        {
            return Err(only);
        }
        if !problems.is_empty() {
            return Err(WorkspaceError::Problems {
                count: problems.len(),
                problems,
            });
        }

        let output = yaml
            .output
            .as_ref()
            .map(|o| o.value.as_str())
            .unwrap_or("out");
        Ok(Self {
            root: root.to_path_buf(),
            rdl: yaml.rdl.map(|r| root.join(r.value)),
            slices_dir: root.join(yaml.slices.as_deref().unwrap_or("slices")),
            mappings_dir: root.join(yaml.mappings.as_deref().unwrap_or("mappings")),
            output_dir: root.join(output),
            sources,
            quality,
            outputs: yaml
                .outputs
                .as_deref()
                .map_or(Outputs::ALL, Outputs::from_list),
            batch_rows: crate::source::BATCH_ROWS,
            file,
        })
    }

    /// A path relative to the workspace root, for messages; absolute paths stay as they are.
    pub fn display_path(&self, path: &Path) -> String {
        diag::relative(&self.root, path)
    }
}

fn resolve_source(
    root: &Path,
    file: &YamlFile,
    id: &str,
    spec: Spanned<SourceYaml>,
    global_nulls: &[String],
) -> Result<Source, WorkspaceError> {
    let at = |s: &serde_saphyr::Location| file.span(s);
    let SourceYaml {
        path,
        format,
        sheet,
        header_row,
        delimiter,
        quote,
        encoding,
        nulls,
        whitespace_is_null,
        infer_types,
    } = spec.value;

    let full_path = root.join(&path.value);
    let path_span = at(&path.referenced);
    let format = match format {
        Some(f) => f.value,
        None => Format::from_path(&full_path).ok_or_else(|| WorkspaceError::UnknownFormat {
            id: id.to_string(),
            path: path.value.clone(),
            src: file.source(),
            span: path_span,
        })?,
    };

    // Options that only make sense for another format are refused rather than ignored:
    // a `sheet:` on a CSV source is a mistake the user wants to hear about.
    let misplaced = |key: &str, span: SourceSpan, applies: &str| WorkspaceError::MisplacedOption {
        key: key.to_string(),
        id: id.to_string(),
        applies: applies.to_string(),
        format: format.to_string(),
        src: file.source(),
        span,
    };
    if format != Format::Workbook
        && let Some(sheet) = &sheet
    {
        return Err(misplaced("sheet", at(&sheet.referenced), "workbooks"));
    }
    if format != Format::Csv {
        for (key, option) in [("delimiter", &delimiter), ("quote", &quote)] {
            if let Some(option) = option {
                return Err(misplaced(key, at(&option.referenced), "CSV files"));
            }
        }
        if let Some(encoding) = &encoding {
            return Err(misplaced("encoding", at(&encoding.referenced), "CSV files"));
        }
    }
    if format == Format::Parquet
        && let Some(row) = &header_row
    {
        return Err(misplaced(
            "header_row",
            at(&row.referenced),
            "CSV files and workbooks",
        ));
    }

    let single_char = |option: &Option<Spanned<String>>, key: &str, default: u8| {
        let Some(option) = option else {
            return Ok(default);
        };
        let value = match option.value.as_str() {
            "\\t" | "tab" | "\t" => "\t",
            other => other,
        };
        match value.as_bytes() {
            [byte] if byte.is_ascii() => Ok(*byte),
            _ => Err(WorkspaceError::BadCharacter {
                key: key.to_string(),
                value: option.value.clone(),
                src: file.source(),
                span: at(&option.referenced),
            }),
        }
    };
    let delimiter = single_char(&delimiter, "delimiter", b',')?;
    let quote = single_char(&quote, "quote", b'"')?;

    let header_row = match header_row {
        Some(row) if row.value == 0 => {
            return Err(WorkspaceError::HeaderRowZero {
                src: file.source(),
                span: at(&row.referenced),
            });
        }
        Some(row) => Some((row.value, at(&row.referenced))),
        None => None,
    };

    Ok(Source {
        id: id.to_string(),
        path: full_path,
        display: path.value.clone(),
        format,
        options: SourceOptions {
            sheet: sheet.map(|s| (s.value.clone(), at(&s.referenced))),
            header_row,
            delimiter,
            quote,
            encoding: encoding.map(|e| e.value).unwrap_or_default(),
            nulls: nulls.unwrap_or_else(|| global_nulls.to_vec()),
            whitespace_is_null: whitespace_is_null.unwrap_or(true),
            infer_types: infer_types.unwrap_or(true),
        },
        loaded: Default::default(),
        config: ConfigSpan {
            src: file.source(),
            path: path_span,
        },
    })
}

/// Checks a `quality:` map: known dimensions, minimums between 0 and 1.
pub(crate) fn thresholds(
    file: &YamlFile,
    yaml: BTreeMap<String, Spanned<ThresholdYaml>>,
    problems: &mut Vec<WorkspaceError>,
) -> BTreeMap<String, Threshold> {
    let mut quality = BTreeMap::new();
    for (dimension, threshold) in yaml {
        let span = file.span(&threshold.referenced);
        if !DIMENSIONS.contains(&dimension.as_str()) {
            problems.push(WorkspaceError::UnknownDimension {
                help: diag::suggest(&dimension, DIMENSIONS.iter().copied(), "dimensions"),
                dimension,
                src: file.source(),
                span,
            });
            continue;
        }
        let ThresholdYaml { min, severity } = threshold.value;
        if !(0.0..=1.0).contains(&min) {
            problems.push(WorkspaceError::BadThreshold {
                dimension,
                min,
                src: file.source(),
                span,
            });
            continue;
        }
        quality.insert(dimension, Threshold { min, severity });
    }
    quality
}

/// Where a source is declared in `thinslice.yaml`, so errors found while reading its data
/// can also point at the declaration.
#[derive(Debug, Clone)]
pub struct ConfigSpan {
    pub src: NamedSource<Arc<str>>,
    pub path: SourceSpan,
}

#[derive(Debug, Error, Diagnostic)]
pub enum WorkspaceError {
    #[error("no {WORKSPACE_FILE} in {dir}")]
    #[diagnostic(
        code(thinslice::workspace::not_found),
        help(
            "run thinslice in a workspace folder, or name one with --workspace DIR; `thinslice init` will scaffold one"
        )
    )]
    NotFound { dir: String },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Yaml(#[from] YamlError),

    #[error("{count} problems in {WORKSPACE_FILE}")]
    #[diagnostic(code(thinslice::workspace::problems))]
    Problems {
        count: usize,
        #[related]
        problems: Vec<WorkspaceError>,
    },

    #[error("cannot tell the format of source `{id}` from its file name `{path}`")]
    #[diagnostic(
        code(thinslice::workspace::format),
        help("add `format: csv`, `format: workbook` or `format: parquet` to the source")
    )]
    UnknownFormat {
        id: String,
        path: String,
        #[source_code]
        src: NamedSource<Arc<str>>,
        #[label("which reader for this file?")]
        span: SourceSpan,
    },

    #[error("`{key}` applies to {applies}, but source `{id}` is {format}")]
    #[diagnostic(
        code(thinslice::workspace::misplaced_option),
        help("remove `{key}`, or check the source's path and format")
    )]
    MisplacedOption {
        key: String,
        id: String,
        applies: String,
        format: String,
        #[source_code]
        src: NamedSource<Arc<str>>,
        #[label("not used for this source")]
        span: SourceSpan,
    },

    #[error("`{key}` must be a single ASCII character, not `{value}`")]
    #[diagnostic(
        code(thinslice::workspace::character),
        help("write a tab as \"\\t\" or `tab`")
    )]
    BadCharacter {
        key: String,
        value: String,
        #[source_code]
        src: NamedSource<Arc<str>>,
        #[label("one character expected")]
        span: SourceSpan,
    },

    #[error("`header_row` counts from 1")]
    #[diagnostic(
        code(thinslice::workspace::header_row),
        help("the first row of a file or sheet is row 1")
    )]
    HeaderRowZero {
        #[source_code]
        src: NamedSource<Arc<str>>,
        #[label("row 0 does not exist")]
        span: SourceSpan,
    },

    #[error("unknown quality dimension `{dimension}`")]
    #[diagnostic(code(thinslice::workspace::dimension), help("{help}"))]
    UnknownDimension {
        dimension: String,
        help: String,
        #[source_code]
        src: NamedSource<Arc<str>>,
        #[label("not a dimension")]
        span: SourceSpan,
    },

    #[error("the `{dimension}` threshold must lie between 0 and 1, not {min}")]
    #[diagnostic(
        code(thinslice::workspace::threshold),
        help("a score is the share of checks passed: 0.95 means 95%")
    )]
    BadThreshold {
        dimension: String,
        min: f64,
        #[source_code]
        src: NamedSource<Arc<str>>,
        #[label("out of range")]
        span: SourceSpan,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Workspace, WorkspaceError> {
        let file = YamlFile::from_text(
            PathBuf::from("thinslice.yaml"),
            "thinslice.yaml".into(),
            text,
        );
        Workspace::from_file(Path::new("/ws"), file)
    }

    #[test]
    fn sources_get_their_format_from_the_extension_and_defaults_apply() {
        let ws = load(
            "sources:\n  power: { path: data/s.csv, delimiter: ';', encoding: windows-1252 }\n  water: { path: w.xlsx, sheet: Assets, header_row: 4 }\n",
        )
        .expect("valid workspace");
        let power = &ws.sources["power"];
        assert_eq!(power.format, Format::Csv);
        assert_eq!(power.options.delimiter, b';');
        assert_eq!(power.options.encoding, Encoding::Windows1252);
        assert_eq!(power.options.nulls, vec![String::new()]);
        let water = &ws.sources["water"];
        assert_eq!(water.format, Format::Workbook);
        assert_eq!(water.options.header_row.as_ref().map(|h| h.0), Some(4));
        assert_eq!(ws.output_dir, Path::new("/ws/out"));
    }

    #[test]
    fn options_for_another_format_are_refused_all_together() {
        let err = load("sources:\n  power: { path: s.csv, sheet: Assets }\n").unwrap_err();
        assert!(
            matches!(err, WorkspaceError::MisplacedOption { .. }),
            "{err:?}"
        );
        let err = load(
            "sources:\n  power: { path: s.csv, sheet: Assets }\n  tel: { path: t.parquet, header_row: 2 }\n",
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "2 problems in thinslice.yaml");
        let WorkspaceError::Problems { problems, .. } = err else {
            panic!("expected a problem list")
        };
        assert!(
            problems
                .iter()
                .all(|p| matches!(p, WorkspaceError::MisplacedOption { .. }))
        );
    }

    #[test]
    fn unknown_keys_are_refused_with_a_location() {
        let err = load("sources:\n  power: { path: s.csv, delimeter: ';' }\n").unwrap_err();
        let WorkspaceError::Yaml(YamlError::Syntax { message, span, .. }) = err else {
            panic!("expected a YAML error, got {err:?}")
        };
        assert!(message.contains("delimeter"), "{message}");
        assert!(span.offset() > 0);
    }
}
