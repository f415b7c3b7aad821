//! The files around a draft: which tables the given files hold (each sheet of a workbook,
//! each CSV or Parquet file), the RDL it is drafted against, `thinslice.yaml`, and writing
//! them all without overwriting what a person has.

use std::fmt::Write;
use std::path::{Component, Path, PathBuf};

use super::render::quote;
use super::sniff::{self, PEEK_ROWS};
use crate::diag::{self, YamlFile};
use crate::error::{InitError, Result};
use crate::progress::Progress;
use crate::rdl::{LayerFile, Prefixes, RdlFormat};
use crate::source::{Encoding, Source, SourceFormat};
use crate::workspace::{WORKSPACE_FILE, Workspace};

/// The example RDL, shipped inside the program: what a draft uses when no RDL is given.
const FOUNDATION: (&str, &str) = (
    "rdl/foundation.ttl",
    include_str!("../../rdl/foundation.ttl"),
);
const REGION: (&str, &str) = ("rdl/region.yaml", include_str!("../../rdl/region.yaml"));

/// A table to draft a slice from: a sheet of a workbook, or a CSV or Parquet file.
#[derive(Debug)]
pub(super) struct Table {
    /// The source's and slice's name.
    pub id: String,
    /// The file, as `thinslice.yaml` writes it (relative to the workspace when inside it).
    pub path: String,
    /// The file's name without its extension.
    pub stem: String,
    pub sheet: Option<String>,
    /// The file (and sheet), for comments.
    pub place: String,
    /// The header's 1-based row or line (0: none), and why.
    pub header: (u64, String),
    /// A CSV file's encoding and delimiter, and why.
    pub csv: Option<(Encoding, u8, String)>,
    /// The folder to allow when the file is outside the workspace.
    pub outside: Option<String>,
    /// The sheet as parsed to find its header, kept for the read.
    pub peeked: Option<Source>,
}

/// The RDL a draft is made against.
pub(super) enum Rdl {
    /// The example RDL, written into the workspace.
    Example,
    /// A file the person gave, as `thinslice.yaml` names it.
    File(LayerFile, String),
}

impl Rdl {
    pub fn choose(root: &Path, given: Option<&Path>) -> Result<Rdl> {
        let Some(path) = given else {
            return Ok(Rdl::Example);
        };
        let real = path
            .canonicalize()
            .ok()
            .filter(|p| p.is_file())
            .ok_or_else(|| InitError::NoRdlFile {
                path: path.display().to_string(),
                what: InitError::missing(path),
            })?;
        let format =
            RdlFormat::from_path(&real).ok_or_else(|| crate::error::Error::RdlFormatOf {
                path: path.display().to_string(),
            })?;
        let written = relative(root, &real);
        let layer = LayerFile {
            path: real,
            display: written.clone(),
            format,
            foundation: false,
            table: None,
        };
        Ok(Rdl::File(layer, written))
    }

    pub fn load(&self) -> Result<crate::rdl::Rdl> {
        Ok(match self {
            Rdl::Example => {
                let text = |(name, text): (&str, &str), format, foundation| {
                    (
                        YamlFile::from_text(PathBuf::from(name), name.to_string(), text),
                        format,
                        foundation,
                    )
                };
                crate::rdl::Rdl::from_texts(
                    vec![
                        text(FOUNDATION, RdlFormat::Turtle, true),
                        text(REGION, RdlFormat::Yaml, false),
                    ],
                    Prefixes::default(),
                )?
            }
            Rdl::File(layer, _) => {
                crate::rdl::Rdl::load_layers(std::slice::from_ref(layer), Prefixes::default())?
            }
        })
    }

    /// `rdl:` in `thinslice.yaml`.
    fn setting(&self) -> String {
        match self {
            Rdl::Example => format!(
                "# The example RDL, copied here: replace it with your own, or layer yours on it.\nrdl:\n  - {{ path: {}, foundation: true }}\n  - {}\n",
                FOUNDATION.0, REGION.0
            ),
            Rdl::File(_, written) => format!("rdl: {}\n", quote(written)),
        }
    }

    /// The RDL's files to write into the workspace.
    pub fn files(&self) -> Vec<(PathBuf, String)> {
        match self {
            Rdl::Example => [FOUNDATION, REGION]
                .iter()
                .map(|(name, text)| (PathBuf::from(name), text.to_string()))
                .collect(),
            Rdl::File(..) => Vec::new(),
        }
    }
}

/// A path as `thinslice.yaml` writes it: relative to the workspace, with `/`.
fn relative(root: &Path, path: &Path) -> String {
    let (mut base, mut target) = (root.components().peekable(), path.components().peekable());
    while let (Some(a), Some(b)) = (base.peek(), target.peek()) {
        if a != b {
            break;
        }
        base.next();
        target.next();
    }
    let mut parts: Vec<String> = base
        .filter(|c| matches!(c, Component::Normal(_)))
        .map(|_| "..".to_string())
        .collect();
    parts.extend(target.map(|c| c.as_os_str().to_string_lossy().into_owned()));
    parts.join("/")
}

/// A name made of lower-case ASCII letters, digits and dashes, as slice names must be:
/// accents are taken off (`Pompes été`: `pompes-ete`); a name of no such letters is `table`.
fn slug(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut slug = String::new();
    for c in name.nfd() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if unicode_normalization::char::is_combining_mark(c) {
            continue;
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-').to_string();
    match slug.is_empty() {
        true => "table".into(),
        false => slug,
    }
}

/// A source of one file (one sheet), built as `thinslice.yaml` would build it, for looking.
fn probe(root: &Path, path: &Path, sheet: Option<&str>) -> Result<Source> {
    let folder = path.parent().unwrap_or(root);
    let mut text = format!(
        "allowed_folders: [{}]\nsources:\n  probe: {{ path: {}, header_row: 0",
        quote(&folder.display().to_string()),
        quote(&path.display().to_string())
    );
    if let Some(sheet) = sheet {
        let _ = write!(text, ", sheet: {}", quote(sheet));
    }
    text.push_str(" }\n");
    let file = YamlFile::from_text(root.join(WORKSPACE_FILE), "init".to_string(), text);
    let shown = path.display().to_string();
    let mut workspace =
        Workspace::from_file(root, file).map_err(|e| InitError::unreadable(&shown, e))?;
    workspace.sources.remove("probe").ok_or_else(|| {
        InitError::NoFile {
            what: InitError::missing(path),
            path: shown,
        }
        .into()
    })
}

/// The tables the files hold, each with its header found; and what was skipped, and why.
pub(super) fn tables(
    root: &Path,
    options: &super::InitOptions,
    progress: &dyn Progress,
) -> Result<(Vec<Table>, Vec<String>)> {
    let (mut tables, mut skipped) = (Vec::new(), Vec::new());
    let mut sheets_seen = Vec::new();
    let workbooks = options
        .paths
        .iter()
        .filter(|p| SourceFormat::from_path(p) == Some(SourceFormat::Workbook))
        .count();
    for given in &options.paths {
        let display = given.display().to_string();
        let path = given
            .canonicalize()
            .ok()
            .filter(|p| p.is_file())
            .ok_or_else(|| InitError::NoFile {
                path: display.clone(),
                what: InitError::missing(given),
            })?;
        let format = SourceFormat::from_path(&path).ok_or_else(|| InitError::UnknownFormat {
            path: display.clone(),
        })?;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let written = relative(root, &path);
        let outside = written
            .starts_with("../")
            .then(|| relative(root, path.parent().unwrap_or(root)));
        let base = Table {
            id: slug(&stem),
            path: written.clone(),
            stem: stem.clone(),
            sheet: None,
            place: written.clone(),
            header: (0, String::new()),
            csv: None,
            outside,
            peeked: None,
        };
        match format {
            SourceFormat::Parquet => tables.push(base),
            SourceFormat::Csv => {
                if sniff::is_utf16(&path) {
                    return Err(InitError::Utf16 { path: written }.into());
                }
                let shape = sniff::csv_shape(&path).map_err(|source| crate::error::Error::Io {
                    what: display.clone(),
                    source,
                })?;
                if shape.rows.is_empty() {
                    skipped.push(format!("{written} holds no rows"));
                    continue;
                }
                let header = header_or_none(&shape.rows, "line");
                tables.push(Table {
                    header,
                    csv: Some((shape.encoding, shape.delimiter, shape.why)),
                    ..base
                });
            }
            SourceFormat::Workbook => {
                let names = probe(root, &path, None)?
                    .sheet_names()
                    .map_err(|e| InitError::unreadable(&written, e))?;
                sheets_seen.extend(names.iter().cloned());
                let chosen = names
                    .into_iter()
                    .filter(|sheet| options.sheets.is_empty() || options.sheets.contains(sheet));
                for sheet in chosen {
                    let id = match workbooks {
                        1 => slug(&sheet),
                        _ => slug(&format!("{stem} {sheet}")),
                    };
                    match sheet_table(root, &path, &base, sheet, id, progress)? {
                        Ok(table) => tables.push(table),
                        Err(empty) => skipped.push(empty),
                    }
                }
            }
        }
    }
    if let Some(missing) = options.sheets.iter().find(|s| !sheets_seen.contains(s)) {
        return Err(InitError::NoSheet {
            sheet: missing.clone(),
            help: diag::suggest(missing, sheets_seen.iter().map(String::as_str), "sheets"),
        }
        .into());
    }
    unique_ids(&mut tables);
    Ok((tables, skipped))
}

/// A sheet's table, its header found; or why there is none (the sheet is empty).
fn sheet_table(
    root: &Path,
    path: &Path,
    file: &Table,
    sheet: String,
    id: String,
    progress: &dyn Progress,
) -> Result<Result<Table, String>> {
    let task = progress.task(&format!("looking at {}, sheet {sheet}", file.path), None);
    let source = probe(root, path, Some(&sheet))?;
    let rows = source
        .peek(PEEK_ROWS)
        .map_err(|e| InitError::unreadable(&file.path, e))?;
    task.finish();
    if rows.is_empty() {
        return Ok(Err(format!("{}: sheet {sheet} is empty", file.path)));
    }
    Ok(Ok(Table {
        id,
        place: format!("{}, sheet {sheet}", file.path),
        header: header_or_none(&rows, "row"),
        peeked: Some(source),
        path: file.path.clone(),
        stem: file.stem.clone(),
        outside: file.outside.clone(),
        csv: None,
        sheet: Some(sheet),
    }))
}

fn header_or_none(rows: &[(u64, Vec<String>)], unit: &str) -> (u64, String) {
    sniff::header_row(rows)
        .map(|(row, why)| (row, format!("header at {unit} {row}: {why}")))
        .unwrap_or_else(|| {
            (
                0,
                "no row looks like a header: columns are named by position".to_string(),
            )
        })
}

/// Two tables never share a name: a second `assets` is `assets-2`.
fn unique_ids(tables: &mut [Table]) {
    let mut taken: Vec<String> = Vec::new();
    for table in tables.iter_mut() {
        let mut id = table.id.clone();
        let mut n = 2;
        while taken.contains(&id) {
            id = format!("{}-{n}", table.id);
            n += 1;
        }
        taken.push(id.clone());
        table.id = id;
    }
}

/// `sources:` (and the folders outside the workspace they need): what reading needs.
pub(super) fn sources_block(tables: &[Table]) -> String {
    let mut text = String::new();
    let mut outside: Vec<&str> = tables.iter().filter_map(|t| t.outside.as_deref()).collect();
    outside.sort();
    outside.dedup();
    if !outside.is_empty() {
        let folders: Vec<String> = outside.iter().map(|f| quote(f)).collect();
        let _ = writeln!(
            text,
            "# The files are outside this folder: reading them is allowed here.\nallowed_folders: [{}]",
            folders.join(", ")
        );
    }
    text.push_str("sources:\n");
    for table in tables {
        let mut fields = vec![format!("path: {}", quote(&table.path))];
        let mut why = Vec::new();
        if let Some(sheet) = &table.sheet {
            fields.push(format!("sheet: {}", quote(sheet)));
        }
        if let Some((encoding, delimiter, shape)) = &table.csv {
            if *delimiter != b',' {
                fields.push(format!(
                    "delimiter: {}",
                    quote(&(*delimiter as char).to_string())
                ));
            }
            if *encoding == Encoding::Windows1252 {
                fields.push("encoding: windows-1252".into());
            }
            why.push(shape.clone());
        }
        if table.csv.is_some() || table.sheet.is_some() {
            fields.push(format!("header_row: {}", table.header.0));
            why.push(table.header.1.clone());
        }
        let _ = writeln!(text, "  {}: {{ {} }}", table.id, fields.join(", "));
        for why in why {
            let _ = writeln!(text, "    # {}", super::render::comment(&why));
        }
    }
    text.push_str(NULLS);
    text
}

/// Texts registers write for "no value".
const NULLS: &str = "# Cell texts that mean \"no value\" (whitespace-only cells are null too).\nnulls: [\"\", \"n/a\", \"N/A\", \"#N/A\", \"NULL\"]\n";

/// `thinslice.yaml`.
pub(super) fn workspace_file(tables: &[Table], rdl: &Rdl) -> String {
    let mut text =
        String::from("# Drafted by `thinslice init`. Paths are relative to this file.\n");
    text.push_str(&rdl.setting());
    text.push('\n');
    text.push_str(&sources_block(tables));
    text.push_str(
        "\nslices: slices\nmappings: mappings\noutput: out\n\n\
         # A draft warns below these; make a dimension `fail` once its slices are ready to share.\n\
         quality:\n\
         \x20 completeness: { min: 0.95, severity: warn }\n\
         \x20 validity:     { min: 0.95, severity: warn }\n\
         \x20 conformity:   { min: 0.95, severity: warn }\n\
         \x20 uniqueness:   { min: 1.0, severity: warn }\n\
         \x20 integrity:    { min: 0.95, severity: warn }\n",
    );
    text
}

/// Writes the files (each atomically), refusing, before writing any, to overwrite one that
/// exists unless forced.
pub(super) fn write_all(root: &Path, files: &[(PathBuf, String)], force: bool) -> Result<()> {
    if !force {
        let existing: Vec<String> = files
            .iter()
            .filter(|(path, _)| root.join(path).exists())
            .map(|(path, _)| path.display().to_string())
            .collect();
        if !existing.is_empty() {
            return Err(InitError::Exists {
                files: existing.join(", "),
            }
            .into());
        }
    }
    // Slices and mappings a person (or an earlier draft) left would be read with the new
    // draft, and need not fit it.
    let mut left: Vec<String> = Vec::new();
    for folder in ["slices", "mappings"] {
        for found in diag::yaml_files(&root.join(folder)).unwrap_or_default() {
            let name = Path::new(folder).join(found.file_name().unwrap_or_default());
            if !files.iter().any(|(path, _)| *path == name) {
                left.push(name.display().to_string());
            }
        }
    }
    if !left.is_empty() {
        return Err(InitError::Stale {
            files: left.join(", "),
        }
        .into());
    }
    for (path, text) in files {
        let path = root.join(path);
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder).map_err(|source| crate::error::Error::Io {
                what: folder.display().to_string(),
                source,
            })?;
        }
        crate::output::write_text(&path, text)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_slice_names() {
        assert_eq!(slug("Pompes été"), "pompes-ete");
        assert_eq!(slug("Pumps & Valves (2023)"), "pumps-valves-2023");
        assert_eq!(slug("Насосы"), "table");
        assert_eq!(
            relative(Path::new("/a/b"), Path::new("/a/c/d.csv")),
            "../c/d.csv"
        );
    }
}
