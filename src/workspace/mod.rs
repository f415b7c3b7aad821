//! `thinslice.yaml`: the sources, the RDL, the slices and mappings folders, the output folder,
//! the quality thresholds. Everything a command needs to find its way around a workspace.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use miette::SourceSpan;
use serde::Deserialize;
use serde_saphyr::Spanned;

mod error;
mod paths;
mod publish;

pub use publish::PublishSettings;
mod rdl;

pub use error::WorkspaceError;

use crate::diag::{self, ConfigSpan, Where, YamlFile};
use crate::marking::Marking;
use crate::output::{FileFormat, Formats, Pattern, RdfSettings};
use crate::quality::{self, ThresholdYaml, Thresholds};
use crate::share::{Action, GeneraliseYaml, KeySource, Policy};
use crate::source::{Encoding, SheetLimits, Source, SourceFormat, SourceOptions};

/// The file that makes a folder a workspace.
pub const WORKSPACE_FILE: &str = "thinslice.yaml";

/// Null sentinels when the workspace names none. Whitespace-only cells are null as well.
const DEFAULT_NULLS: &[&str] = &[""];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkspaceYaml {
    rdl: Option<Spanned<rdl::RdlSetting>>,
    /// CURIE prefixes for the RDL's layers and mappings, prefix → namespace.
    #[serde(default)]
    prefixes: BTreeMap<String, String>,
    #[serde(default)]
    sources: BTreeMap<String, Spanned<SourceYaml>>,
    slices: Option<Spanned<String>>,
    mappings: Option<Spanned<String>>,
    output: Option<Spanned<String>>,
    nulls: Option<Vec<String>>,
    #[serde(default)]
    quality: BTreeMap<String, Spanned<ThresholdYaml>>,
    outputs: Option<Vec<FileFormat>>,
    /// How the RDF is written.
    rdf: Option<RdfYaml>,
    /// What shared outputs do with sensitive values.
    share: Option<Spanned<ShareYaml>>,
    /// The handling marking every shared file carries.
    marking: Option<Marking>,
    /// Where `thinslice publish` sends things.
    publish: Option<publish::PublishYaml>,
    /// Folders outside the workspace that sources may be read from.
    #[serde(default)]
    allowed_folders: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RdfYaml {
    #[serde(default)]
    pattern: Pattern,
    /// A state property → the date property its states start on.
    #[serde(default)]
    starts: BTreeMap<String, Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShareYaml {
    #[serde(default)]
    personal: Action,
    #[serde(default)]
    commercial: Action,
    #[serde(default)]
    security: Action,
    key: Option<Spanned<KeyYaml>>,
    #[serde(default)]
    generalise: BTreeMap<String, GeneraliseYaml>,
    slices: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyYaml {
    env: Option<String>,
    file: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceYaml {
    path: Spanned<String>,
    format: Option<Spanned<SourceFormat>>,
    sheet: Option<Spanned<String>>,
    header_row: Option<Spanned<u32>>,
    delimiter: Option<Spanned<String>>,
    quote: Option<Spanned<String>>,
    encoding: Option<Spanned<Encoding>>,
    nulls: Option<Vec<String>>,
    whitespace_is_null: Option<bool>,
    infer_types: Option<bool>,
    max_cells: Option<Spanned<u64>>,
    max_inflated_mb: Option<Spanned<u64>>,
    /// The organisation whose register it is, as an IRI: its identifiers' scheme owner.
    owner: Option<Spanned<String>>,
}

/// A loaded, checked workspace.
#[derive(Debug)]
pub struct Workspace {
    /// The folder holding `thinslice.yaml`; relative paths in it are relative to this.
    pub root: PathBuf,
    pub file: YamlFile,
    pub sources: BTreeMap<String, Source>,
    /// The RDL's layers, first to last; none when `rdl:` is not set.
    pub rdl: Vec<crate::rdl::LayerFile>,
    pub prefixes: crate::rdl::Prefixes,
    pub slices_dir: PathBuf,
    pub mappings_dir: PathBuf,
    pub output_dir: PathBuf,
    /// Where the outputs are uploaded when `output:` is on object storage; `output_dir` is
    /// then the local folder they are written in first.
    pub output_remote: Option<String>,
    pub thresholds: Thresholds,
    /// The formats `run` and `map` write data in.
    pub outputs: Formats,
    /// How the RDF is written, and each source's owner.
    pub rdf: RdfSettings,
    /// What shared outputs do with sensitive values (`share:`).
    pub share: Policy,
    /// The handling marking of the workspace's outputs (`marking:`).
    pub marking: Option<Marking>,
    /// Where `thinslice publish` sends things (`publish:`).
    pub publish: PublishSettings,
    /// `rdf: { starts }` as written (state, date, where), for lint's checks against the RDL.
    pub rdf_starts: Vec<(String, String, SourceSpan)>,
    /// Rows per batch when a source can be read in batches (`--batch-rows`).
    pub batch_rows: usize,
    /// The shard this run is, when it is one of many (`run --shard`).
    pub shard: Option<crate::source::Part>,
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
        let (rdf, rdf_starts) = rdf_settings(&file, &yaml, &mut problems);
        let share = share_policy(root, &file, yaml.share.as_ref(), &mut problems);
        let publish = (yaml.publish.as_ref())
            .map(|p| p.resolve(root, &file, &mut problems))
            .unwrap_or_default();
        for (id, spec) in yaml.sources {
            match resolve_source(root, &file, &id, spec, &global_nulls) {
                Ok(source) => {
                    sources.insert(id, source);
                }
                Err(err) => problems.push(err),
            }
        }

        problems.extend(outside_allowed(root, &yaml.allowed_folders, &sources));

        // A folder thinslice.yaml names must be there; said where it is named.
        let named = [
            ("slices folder", &yaml.slices),
            ("mappings folder", &yaml.mappings),
        ];
        for (what, setting) in named {
            if let Some(setting) = setting
                && !root.join(&setting.value).is_dir()
            {
                problems.push(WorkspaceError::Missing {
                    what,
                    path: setting.value.clone(),
                    src: file.source(),
                    span: file.span(&setting.referenced),
                });
            }
        }

        let layers = yaml
            .rdl
            .as_ref()
            .map(|setting| rdl::layers(&file, root, setting, &sources, &mut problems))
            .unwrap_or_default();
        let quality = quality::thresholds(&file, yaml.quality).unwrap_or_else(|found| {
            problems.extend(found.into_iter().map(WorkspaceError::from));
            Thresholds::default()
        });
        if !problems.is_empty() {
            return Err(diag::problems(
                problems,
                Where::Workspace,
                WorkspaceError::Problems,
            ));
        }

        let output = yaml
            .output
            .as_ref()
            .map(|o| o.value.as_str())
            .unwrap_or("out");
        let workspace = Self {
            root: root.to_path_buf(),
            rdl: layers,
            prefixes: rdl::prefixes(&yaml.prefixes),
            slices_dir: root.join(yaml.slices.as_ref().map_or("slices", |s| s.value.as_str())),
            mappings_dir: root.join(
                yaml.mappings
                    .as_ref()
                    .map_or("mappings", |m| m.value.as_str()),
            ),
            output_dir: output_folder(root, output),
            output_remote: crate::remote::is_remote(output).then(|| output.to_string()),
            sources,
            thresholds: quality,
            outputs: yaml.outputs.as_deref().map_or(Formats::ALL, Formats::of),
            rdf,
            rdf_starts,
            share,
            marking: yaml.marking.clone(),
            publish,
            batch_rows: crate::source::BATCH_ROWS,
            shard: None,
            file,
        };
        let output = yaml
            .output
            .as_ref()
            .map(|o| (workspace.file.span(&o.referenced), o.value.as_str()));
        workspace.check_output(output)?;
        Ok(workspace)
    }

    /// Refuses an output folder a run could not write without harm: the filesystem's root,
    /// the workspace or a folder above it, a folder holding an input or inside one.
    /// `written`: where `output:` is set, and the folder as written there.
    fn check_output(&self, written: Option<(SourceSpan, &str)>) -> Result<(), WorkspaceError> {
        let mut inputs: Vec<(String, PathBuf)> = self
            .sources
            .values()
            .map(|s| (format!("source `{}` ({})", s.id, s.display), s.path.clone()))
            .collect();
        inputs.push((WORKSPACE_FILE.to_string(), self.root.join(WORKSPACE_FILE)));
        for layer in &self.rdl {
            inputs.push((format!("the RDL ({})", layer.display), layer.path.clone()));
        }
        let folders = [
            ("the slices folder", &self.slices_dir),
            ("the mappings folder", &self.mappings_dir),
        ];
        let folders: Vec<(String, PathBuf)> = folders
            .iter()
            .map(|(name, folder)| (name.to_string(), paths::resolved(folder)))
            .collect();
        inputs.extend(folders.iter().cloned());
        let inputs: Vec<(String, PathBuf)> = inputs
            .into_iter()
            .map(|(name, path)| (name, paths::resolved(&path)))
            .collect();
        let root = paths::resolved(&self.root);
        let output = paths::resolved(&self.output_dir);
        match paths::output_problem(&root, &output, &inputs, &folders) {
            None => Ok(()),
            Some(reason) => Err(WorkspaceError::UnsafeOutput {
                output: written.map_or_else(
                    || self.display_path(&self.output_dir),
                    |(_, folder)| folder.to_string(),
                ),
                reason,
                src: self.file.source(),
                span: written.map_or_else(|| (0, 0).into(), |(span, _)| span),
            }),
        }
    }

    /// A path relative to the workspace root, for messages; absolute paths stay as they are.
    pub fn display_path(&self, path: &Path) -> String {
        diag::relative(&self.root, path)
    }
}

/// Where the outputs are written: `output:` itself, or, when it is on object storage, the
/// local folder they are written in before they go up.
fn output_folder(root: &Path, output: &str) -> PathBuf {
    match crate::remote::is_remote(output) {
        true => root
            .join(crate::remote::STAGED_DIR)
            .join(crate::remote::folder_for(output)),
        false => root.join(output),
    }
}

/// Sources that lie outside the workspace and the folders `allowed_folders` names.
fn outside_allowed(
    root: &Path,
    allowed_folders: &[Spanned<String>],
    sources: &BTreeMap<String, Source>,
) -> Vec<WorkspaceError> {
    let mut outside = Vec::new();
    let allowed: Vec<PathBuf> = std::iter::once(root.to_path_buf())
        .chain(allowed_folders.iter().map(|f| root.join(&f.value)))
        .map(|folder| paths::resolved(&folder))
        .collect();
    for (id, source) in sources.iter().filter(|(_, s)| s.remote.is_none()) {
        let real = paths::resolved(&source.path);
        if !allowed.iter().any(|folder| paths::is_within(&real, folder)) {
            outside.push(WorkspaceError::OutsideWorkspace {
                id: id.clone(),
                path: source.display.clone(),
                src: source.config.src.clone(),
                span: source.config.span,
            });
        }
    }
    outside
}

/// `share:`, with its key's source: an environment variable or a file, one of them.
fn share_policy(
    root: &Path,
    file: &YamlFile,
    yaml: Option<&Spanned<ShareYaml>>,
    problems: &mut Vec<WorkspaceError>,
) -> Policy {
    let Some(yaml) = yaml else {
        return Policy::default();
    };
    let share = &yaml.value;
    let key = share
        .key
        .as_ref()
        .and_then(|key| match (&key.value.env, &key.value.file) {
            (Some(name), None) => Some(KeySource::Env(name.clone())),
            (None, Some(path)) => Some(KeySource::File(root.join(path))),
            _ => {
                problems.push(WorkspaceError::BadKey {
                    src: file.source(),
                    span: file.span(&key.referenced),
                });
                None
            }
        });
    Policy {
        personal: share.personal,
        commercial: share.commercial,
        security: share.security,
        key,
        generalise: share.generalise.clone(),
        slices: share.slices,
    }
}

/// `rdf:` and the sources' owners (IRIs, or a problem where one is not).
fn rdf_settings(
    file: &YamlFile,
    yaml: &WorkspaceYaml,
    problems: &mut Vec<WorkspaceError>,
) -> (RdfSettings, Vec<(String, String, SourceSpan)>) {
    let mut owners = BTreeMap::new();
    for (id, spec) in &yaml.sources {
        let Some(owner) = &spec.value.owner else {
            continue;
        };
        match oxrdf::NamedNode::new(&owner.value) {
            Ok(_) => {
                owners.insert(id.clone(), owner.value.clone());
            }
            Err(_) => problems.push(WorkspaceError::BadOwner {
                value: owner.value.clone(),
                src: file.source(),
                span: file.span(&owner.referenced),
            }),
        }
    }
    let starts: Vec<(String, String, SourceSpan)> = (yaml.rdf.iter().flat_map(|r| &r.starts))
        .map(|(state, date)| {
            (
                state.clone(),
                date.value.clone(),
                file.span(&date.referenced),
            )
        })
        .collect();
    let settings = RdfSettings {
        pattern: yaml.rdf.as_ref().map(|r| r.pattern).unwrap_or_default(),
        starts: (starts.iter())
            .map(|(state, date, _)| (state.clone(), date.clone()))
            .collect(),
        owners,
    };
    (settings, starts)
}

fn resolve_source(
    root: &Path,
    file: &YamlFile,
    id: &str,
    spec: Spanned<SourceYaml>,
    global_nulls: &[String],
) -> Result<Source, WorkspaceError> {
    let at = |s: &serde_saphyr::Location| file.span(s);
    let yaml = spec.value;
    let remote = crate::remote::is_remote(&yaml.path.value).then(|| yaml.path.value.clone());
    let full_path = match &remote {
        // Fetched into the workspace and read there: see `remote`.
        Some(url) => {
            let name = url.rsplit('/').next().unwrap_or_default();
            root.join(crate::remote::FETCHED_DIR)
                .join(crate::remote::folder_for(url))
                .join(if name.is_empty() { "object" } else { name })
        }
        None => root.join(&yaml.path.value),
    };
    let path_span = at(&yaml.path.referenced);
    let format = match &yaml.format {
        Some(f) => f.value,
        None => {
            SourceFormat::from_path(&full_path).ok_or_else(|| WorkspaceError::UnknownFormat {
                id: id.to_string(),
                path: yaml.path.value.clone(),
                src: file.source(),
                span: path_span,
            })?
        }
    };
    refuse_misplaced(file, id, format, &yaml)?;
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
    let delimiter = single_char(&yaml.delimiter, "delimiter", b',')?;
    let quote = single_char(&yaml.quote, "quote", b'"')?;
    // A delimiter that is also the quote, or a line break, splits nothing the way it reads.
    for (key, option, byte) in [
        ("delimiter", &yaml.delimiter, delimiter),
        ("quote", &yaml.quote, quote),
    ] {
        let clash = matches!(byte, b'\n' | b'\r') || (key == "quote" && quote == delimiter);
        if let (true, Some(option)) = (clash, option) {
            return Err(WorkspaceError::ClashingCharacter {
                key: key.to_string(),
                value: option.value.clone(),
                src: file.source(),
                span: at(&option.referenced),
            });
        }
    }
    // 0: the file or sheet has no header; its columns are named by position.
    let header_row = yaml
        .header_row
        .as_ref()
        .map(|row| (row.value, at(&row.referenced)));
    let limits = sheet_limits(&yaml);
    Ok(Source {
        id: id.to_string(),
        path: full_path,
        display: yaml.path.value.clone(),
        remote,
        part: None,
        format,
        options: SourceOptions {
            sheet: yaml.sheet.map(|s| (s.value.clone(), at(&s.referenced))),
            header_row,
            delimiter,
            quote,
            encoding: yaml.encoding.map(|e| e.value).unwrap_or_default(),
            nulls: yaml.nulls.unwrap_or_else(|| global_nulls.to_vec()),
            whitespace_is_null: yaml.whitespace_is_null.unwrap_or(true),
            infer_types: yaml.infer_types.unwrap_or(true),
            limits,
        },
        loaded: Default::default(),
        config: ConfigSpan {
            src: file.source(),
            span: path_span,
        },
    })
}

/// A workbook's limits: the defaults, unless the source sets its own.
fn sheet_limits(yaml: &SourceYaml) -> SheetLimits {
    let defaults = SheetLimits::default();
    SheetLimits {
        cells: yaml.max_cells.as_ref().map_or(defaults.cells, |c| c.value),
        inflated_bytes: yaml
            .max_inflated_mb
            .as_ref()
            .map_or(defaults.inflated_bytes, |m| m.value.saturating_mul(1 << 20)),
    }
}

/// Options that only make sense for another format are refused rather than ignored: a
/// `sheet:` on a CSV source is a mistake the user wants to hear about.
fn refuse_misplaced(
    file: &YamlFile,
    id: &str,
    format: SourceFormat,
    yaml: &SourceYaml,
) -> Result<(), WorkspaceError> {
    let misplaced = |key: &str, at: &serde_saphyr::Location, applies: &str| {
        Err(WorkspaceError::MisplacedOption {
            key: key.to_string(),
            id: id.to_string(),
            applies: applies.to_string(),
            format: format.to_string(),
            src: file.source(),
            span: file.span(at),
        })
    };
    if format != SourceFormat::Workbook {
        if let Some(sheet) = &yaml.sheet {
            return misplaced("sheet", &sheet.referenced, "workbooks");
        }
        for (key, limit) in [
            ("max_cells", &yaml.max_cells),
            ("max_inflated_mb", &yaml.max_inflated_mb),
        ] {
            if let Some(limit) = limit {
                return misplaced(key, &limit.referenced, "workbooks");
            }
        }
    }
    if format != SourceFormat::Csv {
        for (key, option) in [("delimiter", &yaml.delimiter), ("quote", &yaml.quote)] {
            if let Some(option) = option {
                return misplaced(key, &option.referenced, "CSV files");
            }
        }
        if let Some(encoding) = &yaml.encoding {
            return misplaced("encoding", &encoding.referenced, "CSV files");
        }
    }
    if format == SourceFormat::Parquet
        && let Some(row) = &yaml.header_row
    {
        return misplaced("header_row", &row.referenced, "CSV files and workbooks");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Problems, YamlError};

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
        assert_eq!(power.format, SourceFormat::Csv);
        assert_eq!(power.options.delimiter, b';');
        assert_eq!(power.options.encoding, Encoding::Windows1252);
        assert_eq!(power.options.nulls, vec![String::new()]);
        let water = &ws.sources["water"];
        assert_eq!(water.format, SourceFormat::Workbook);
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
        let WorkspaceError::Problems(Problems { problems, .. }) = err else {
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
