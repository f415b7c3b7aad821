//! Entry points for the fuzz targets in `fuzz/` (built with the `fuzz` feature only). Each
//! takes any bytes and must return: a panic is a finding. An error is rendered as the user
//! would see it, since drawing a diagnostic can fail too (miette once panicked on a long
//! line). Some entry points also check a promise the code makes, and panic when it is
//! broken: every line counted, every identifier an IRI.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use miette::{Diagnostic, GraphicalReportHandler};
use polars::prelude::*;

use crate::columns::ROW_COLUMN;
use crate::diag::YamlFile;
use crate::mapping::{Mapping, Scope, apply, compile};
use crate::progress::Silent;
use crate::rdl::Rdl;
use crate::slice::Slice;
use crate::workspace::Workspace;

/// Draws a diagnostic, as the command layer would.
fn render(problem: &dyn Diagnostic) {
    let mut text = String::new();
    let _ = GraphicalReportHandler::new().render_report(&mut text, problem);
}

fn text(data: &[u8]) -> Option<String> {
    String::from_utf8(data.to_vec()).ok()
}

fn yaml(name: &str, text: String) -> YamlFile {
    YamlFile::from_text(PathBuf::from(name), name.to_string(), text)
}

/// `thinslice.yaml`, read in a folder of its own (sources it names need not exist).
pub fn workspace_yaml(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let Ok(dir) = tempfile::tempdir() else { return };
    if let Err(e) = Workspace::from_file(dir.path(), yaml("thinslice.yaml", text)) {
        render(&e);
    }
}

/// An RDL file.
pub fn rdl_yaml(data: &[u8]) {
    let Some(text) = text(data) else { return };
    if let Err(e) = Rdl::from_file(yaml("rdl.yaml", text)) {
        render(&e);
    }
}

/// An RDL layer in RDF (Turtle, N-Triples or RDF/XML, by the first byte). One that loads
/// must export to Turtle and SHACL that load back to the same export: the round trip
/// `thinslice rdl export` promises.
pub fn rdl_rdf(data: &[u8]) {
    use crate::rdl::export::{self, Part};
    use crate::rdl::{LayerFile, Prefixes, RdlFormat};
    let Some((&pick, data)) = data.split_first() else {
        return;
    };
    let (format, name) = [
        (RdlFormat::Turtle, "layer.ttl"),
        (RdlFormat::NTriples, "layer.nt"),
        (RdlFormat::RdfXml, "layer.rdf"),
    ][usize::from(pick % 3)];
    let Ok(dir) = tempfile::tempdir() else { return };
    let layer = |name: &str, bytes: &[u8], format| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).ok()?;
        Some(LayerFile {
            path,
            display: name.to_string(),
            format,
            foundation: true,
            table: None,
        })
    };
    let Some(file) = layer(name, data, format) else {
        return;
    };
    let rdl = match Rdl::load_layers(&[file], Prefixes::default()) {
        Ok(rdl) => rdl,
        Err(e) => return render(&e),
    };
    let written = |rdl: &Rdl, part| export::turtle(rdl, &export::triples(rdl, part, None)).ok();
    let (Some(vocabulary), Some(shapes)) =
        (written(&rdl, Part::Vocabulary), written(&rdl, Part::Shapes))
    else {
        return;
    };
    let (Some(a), Some(b)) = (
        layer("exported.ttl", &vocabulary, RdlFormat::Turtle),
        layer("shapes.ttl", &shapes, RdlFormat::Turtle),
    ) else {
        return;
    };
    let again = match Rdl::load_layers(&[a, b], Prefixes::default()) {
        Ok(again) => again,
        Err(e) => panic!("the export does not load back: {e:?}"),
    };
    assert!(
        written(&again, Part::Vocabulary) == Some(vocabulary),
        "the export loads back to another RDL"
    );
}

/// A slice file.
pub fn slice_yaml(data: &[u8]) {
    let Some(text) = text(data) else { return };
    if let Err(problems) = Slice::from_file("s".into(), yaml("slices/s.yaml", text)) {
        problems.iter().for_each(|p| render(p));
    }
}

/// The RDL the mapping and template targets map against.
const RDL: &str = "namespace: https://rdl.test/r#
units:
  W: { quantity: power }
  kW: { quantity: power, factor: 1000 }
classes:
  Asset: { requires: [state] }
  Pump: { parents: [Asset] }
  Site: {}
properties:
  name: { datatype: string }
  power: { datatype: decimal, unit: W, min: 0 }
  state: { datatype: code, values: [InService, OutOfService] }
  installed: { datatype: date }
  site: { datatype: link, range: Site }
";

/// The columns of the slice the mapping target maps.
const COLUMNS: [&str; 4] = ["ID", "Name", "Power", "State"];

fn scope_of<'a>(rdl: &'a Rdl, slices: &'a BTreeMap<String, Vec<String>>) -> Scope<'a> {
    Scope {
        rdl,
        slices,
        known_slices: &["assets", "sites"],
        tables: None,
    }
}

fn fixture_rdl() -> Option<Rdl> {
    Rdl::from_file(yaml("rdl.yaml", RDL.to_string())).ok()
}

/// A mapping file, checked against a small RDL and the columns of slice `assets`.
pub fn mapping_yaml(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let Some(rdl) = fixture_rdl() else { return };
    // The sites' columns are known, so lookups through a link into them are checked too.
    let slices: BTreeMap<String, Vec<String>> = [
        ("assets".into(), COLUMNS.map(String::from).to_vec()),
        ("sites".into(), vec!["Code".into(), "Region".into()]),
    ]
    .into();
    if let Err(problems) =
        Mapping::from_file(yaml("mappings/assets.yaml", text), &scope_of(&rdl, &slices))
    {
        problems.iter().for_each(|p| render(p));
    }
}

/// An identifier and a label template (the input's first two lines) rendered over values
/// of columns `A` and `B` (its other lines, in pairs). Every thing must get an identifier
/// that is an IRI, or be quarantined.
pub fn template(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let mut lines = text.split('\n');
    let (Some(id), Some(label)) = (lines.next(), lines.next()) else {
        return;
    };
    let values: Vec<Option<&str>> = lines.map(|l| (!l.is_empty()).then_some(l)).collect();
    let (a, b): (Vec<_>, Vec<_>) = values
        .chunks(2)
        .map(|p| (p[0], p.get(1).copied().flatten()))
        .unzip();
    let Some(rdl) = fixture_rdl() else { return };
    let slices: BTreeMap<String, Vec<String>> =
        [("assets".into(), vec!["A".to_string(), "B".to_string()])].into();
    // JSON strings are YAML's double-quoted scalars.
    let quoted = |t: &str| serde_json::to_string(t).unwrap_or_default();
    let file = format!(
        "slice: assets\nclass: Pump\nid: {}\nlabel: {}\nproperties:\n  name: {{ from: A }}\n",
        quoted(id),
        quoted(label)
    );
    let mapping =
        match Mapping::from_file(yaml("mappings/assets.yaml", file), &scope_of(&rdl, &slices)) {
            Ok(mapping) => mapping,
            Err(problems) => return problems.iter().for_each(|p| render(p)),
        };
    let height = a.len();
    let Ok(rows) = DataFrame::new(
        height,
        vec![
            Column::new(
                ROW_COLUMN.into(),
                (2..2 + height as u64).collect::<Vec<u64>>(),
            ),
            Column::new("A".into(), a),
            Column::new("B".into(), b),
        ],
    ) else {
        return;
    };
    let compiled = compile(&mapping, &rdl, rows.schema());
    let mapped = apply(&compiled, &rows).expect("a mapping applies to any text");
    let ids = mapped.entities.column("id").expect("an id column");
    for id in ids.str().expect("text ids").iter() {
        let id = id.expect("every thing has an identifier");
        assert!(oxrdf::NamedNode::new(id).is_ok(), "not an IRI: {id:?}");
    }
    assert_eq!(
        mapped.entities.height() + mapped.quarantine.height(),
        height,
        "every row is a thing or quarantined"
    );
}

/// Writes `data` as the workspace's one source, `s.EXTENSION`, with `options`.
fn source_workspace(dir: &Path, extension: &str, options: &str, data: &[u8]) -> Option<Workspace> {
    std::fs::write(dir.join(format!("s.{extension}")), data).ok()?;
    let config = format!("sources:\n  s: {{ path: s.{extension}{options} }}\n");
    match Workspace::from_file(dir, yaml("thinslice.yaml", config)) {
        Ok(workspace) => Some(workspace),
        Err(e) => {
            render(&e);
            None
        }
    }
}

/// A CSV file, read in batches of 7 rows with options picked by the first byte. Every
/// record's line is a line of the file, in order: lines end with LF, CRLF or CR.
pub fn csv_source(data: &[u8]) {
    let Some((&pick, data)) = data.split_first() else {
        return;
    };
    let delimiter = [",", ";", "\\t", "|"][usize::from(pick & 3)];
    let encoding = if pick & 4 == 0 {
        "utf-8"
    } else {
        "windows-1252"
    };
    let options = format!(
        ", delimiter: \"{delimiter}\", encoding: {encoding}, infer_types: {}, header_row: {}",
        pick & 8 == 0,
        // 0: no header line; every record is data.
        u32::from(pick >> 4 & 3),
    );
    let Ok(dir) = tempfile::tempdir() else { return };
    let Some(workspace) = source_workspace(dir.path(), "csv", &options, data) else {
        return;
    };
    let source = &workspace.sources["s"];
    if let Err(e) = source.headers() {
        return render(&e);
    }
    let lines = 1 + line_breaks(data);
    let mut last = 0;
    let mut whole = Vec::new();
    let result = source.read_batches(None, 7, &Silent, &mut |table| {
        let rows = table.frame.column(ROW_COLUMN).expect("rows");
        for line in rows.u64().expect("line numbers").iter().flatten() {
            assert!(
                line > last && line <= lines,
                "line {line} after {last}, of {lines}"
            );
            last = line;
        }
        whole.push(table.frame);
        Ok::<(), crate::source::SourceError>(())
    });
    // Parsed in chunks of a few bytes (cut at record boundaries by the quote-aware scan),
    // the file reads the same: the same tables, or the same first error.
    let chunk_bytes = 1 + usize::from(pick >> 6);
    let mut chunked = Vec::new();
    let in_chunks = source.read_csv_chunked(7, chunk_bytes, &mut |table| {
        chunked.push(table.frame);
        Ok::<(), crate::source::SourceError>(())
    });
    match (&result, &in_chunks) {
        (Ok(()), Ok(())) => {
            assert_eq!(
                whole.len(),
                chunked.len(),
                "tables in chunks of {chunk_bytes}"
            );
            for (a, b) in whole.iter().zip(&chunked) {
                assert!(a.equals_missing(b), "chunks of {chunk_bytes}:\n{a}\n{b}");
            }
        }
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        _ => panic!("whole {result:?}, in chunks of {chunk_bytes} {in_chunks:?}"),
    }
    if let Err(e) = result {
        render(&e);
    }
}

/// Line breaks as a CSV reader counts them: LF, CRLF and CR each end a line.
fn line_breaks(data: &[u8]) -> u64 {
    let mut breaks = 0;
    let mut bytes = data.iter().peekable();
    while let Some(byte) = bytes.next() {
        match byte {
            b'\n' => breaks += 1,
            b'\r' => {
                breaks += 1;
                bytes.next_if_eq(&&b'\n');
            }
            _ => {}
        }
    }
    breaks
}

/// A workbook (xlsx, xls or ods by the first byte), its headers then its table.
pub fn workbook(data: &[u8]) {
    let Some((&pick, data)) = data.split_first() else {
        return;
    };
    let extension = ["xlsx", "xls", "ods"][usize::from(pick % 3)];
    let Ok(dir) = tempfile::tempdir() else { return };
    let options = ", max_cells: 100000, max_inflated_mb: 64";
    let Some(workspace) = source_workspace(dir.path(), extension, options, data) else {
        return;
    };
    let source = &workspace.sources["s"];
    if let Err(e) = source.headers() {
        return render(&e);
    }
    if let Err(e) = source.read(None, &Silent) {
        render(&e);
    }
}

/// `init` on any CSV file: it drafts a workspace or refuses the file with a message; a draft
/// that does not pass lint breaks its promise.
pub fn init_csv(data: &[u8]) {
    use crate::draft::{InitOptions, init};
    use crate::error::{Error, InitError};
    let Ok(dir) = tempfile::tempdir() else { return };
    let file = dir.path().join("data.csv");
    if std::fs::write(&file, data).is_err() {
        return;
    }
    let options = InitOptions {
        paths: vec![file],
        ..InitOptions::default()
    };
    match init(&dir.path().join("drafted"), &options, &Silent) {
        Ok(_) => {}
        Err(Error::Init(failed @ InitError::FailsLint { .. })) => {
            panic!("{:?}", miette::Report::new(failed))
        }
        Err(e) => render(&e),
    }
}

#[cfg(test)]
mod tests {
    /// The CSV corpus the fuzzer grew, replayed: `cargo test --features fuzz --lib fuzz`.
    #[test]
    fn the_csv_corpus_reads_the_same_whole_and_in_chunks() {
        let corpus =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/csv_source");
        let Ok(entries) = std::fs::read_dir(&corpus) else {
            return;
        };
        for entry in entries.flatten() {
            if let Ok(data) = std::fs::read(entry.path()) {
                super::csv_source(&data);
            }
        }
    }
}
