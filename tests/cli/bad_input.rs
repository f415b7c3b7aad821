//! The bad-input corpus (`tests/bad-input`): every hostile or broken input thinslice has met,
//! each a folder under `cases/` of files laid over the workspace in `workspace/`, and a
//! `case.yaml` saying what must happen:
//!
//! ```yaml
//! about: what the input is, and the issue it came from
//! args: [lint]           # thinslice's arguments (default: [run])
//! exit: 2
//! stderr: ["unclosed bracket", "slices/assets.yaml:2:10"]   # texts the message holds
//! files: { out/failures/assets.csv: ["..."] }             # texts files hold afterwards
//! remove: [assets.csv]   # workspace files the case takes away
//! ```
//!
//! Before each case the workspace is run whole; a case that fails must leave those outputs
//! byte for byte as they were. Inputs too large to keep in the repository are generated
//! here ([`generated`]). Add a case for every new kind of bad input.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::support::{TestWorkspace, copy_tree, files_under, repo};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    about: String,
    #[serde(default = "run")]
    args: Vec<String>,
    exit: i32,
    #[serde(default)]
    stderr: Vec<String>,
    #[serde(default)]
    stdout: Vec<String>,
    #[serde(default)]
    files: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    remove: Vec<String>,
}

fn run() -> Vec<String> {
    vec!["run".into()]
}

/// A case: its name, what must happen, and the files it lays over the workspace.
struct Input {
    name: String,
    case: Case,
    files: Vec<(PathBuf, Vec<u8>)>,
}

fn corpus() -> PathBuf {
    repo().join("tests/bad-input")
}

/// The cases kept as folders.
fn folders() -> Vec<Input> {
    let mut inputs = Vec::new();
    let cases = corpus().join("cases");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&cases)
        .expect("tests/bad-input/cases")
        .map(|e| e.expect("entry").path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let name = dir
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let text = std::fs::read_to_string(dir.join("case.yaml"))
            .unwrap_or_else(|e| panic!("{name}/case.yaml: {e}"));
        let case: Case =
            serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{name}/case.yaml: {e}"));
        let files = files_under(&dir)
            .into_iter()
            .filter(|p| !p.ends_with("case.yaml"))
            .map(|p| {
                let bytes = std::fs::read(&p).expect("case file");
                (p.strip_prefix(&dir).expect("inside").to_path_buf(), bytes)
            })
            .collect();
        inputs.push(Input { name, case, files });
    }
    inputs
}

/// The base workspace, run once: its files and the outputs of that run.
fn base() -> TestWorkspace {
    let ws = TestWorkspace::new("");
    copy_tree(&corpus().join("workspace"), ws.path());
    ws.run(&["--no-progress", "run"]).expect(0);
    ws
}

/// Every file under the output folder with its bytes.
fn outputs(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    files_under(&dir.join("out"))
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).expect("output");
            (p.strip_prefix(dir).expect("inside").to_path_buf(), bytes)
        })
        .collect()
}

/// Runs one case on a copy of the base workspace; what went wrong, if anything.
fn check(base: &Path, input: &Input) -> Result<(), String> {
    let ws = TestWorkspace::new("");
    copy_tree(base, ws.path());
    let before = outputs(ws.path());
    for (path, bytes) in &input.files {
        let target = ws.path().join(path);
        std::fs::create_dir_all(target.parent().expect("folder")).expect("folder");
        std::fs::write(target, bytes).expect("case file");
    }
    for path in &input.case.remove {
        std::fs::remove_file(ws.path().join(path)).expect("file to remove");
    }
    let mut args: Vec<&str> = vec!["--no-progress"];
    args.extend(input.case.args.iter().map(String::as_str));
    let run = ws.run(&args);
    let name = &input.name;
    let shown = || format!("--- stdout\n{}\n--- stderr\n{}", run.stdout, run.stderr);
    if run.code != input.case.exit {
        return Err(format!(
            "{name} ({}): exit {} instead of {}\n{}",
            input.case.about,
            run.code,
            input.case.exit,
            shown()
        ));
    }
    for (stream, texts) in [
        (&run.stderr, &input.case.stderr),
        (&run.stdout, &input.case.stdout),
    ] {
        if let Some(missing) = texts.iter().find(|t| !stream.contains(t.as_str())) {
            return Err(format!("{name}: no {missing:?} in the output\n{}", shown()));
        }
    }
    for (file, texts) in &input.case.files {
        let text = std::fs::read_to_string(ws.path().join(file)).unwrap_or_default();
        if let Some(missing) = texts.iter().find(|t| !text.contains(t.as_str())) {
            return Err(format!("{name}: no {missing:?} in {file}:\n{text}"));
        }
    }
    if run.code != 0 && outputs(ws.path()) != before {
        return Err(format!(
            "{name}: the failed run changed the outputs\n{}",
            shown()
        ));
    }
    Ok(())
}

fn case(about: &str, args: &[&str], exit: i32, stderr: &[&str]) -> Case {
    Case {
        about: about.into(),
        args: args.iter().map(|a| a.to_string()).collect(),
        exit,
        stderr: stderr.iter().map(|s| s.to_string()).collect(),
        stdout: Vec::new(),
        files: BTreeMap::new(),
        remove: Vec::new(),
    }
}

/// Cases whose input is too large to keep as a file, or is a workbook.
fn generated() -> Vec<Input> {
    yaml_inputs().into_iter().chain(workbook_inputs()).collect()
}

fn yaml_inputs() -> Vec<Input> {
    let mut big_rdl = std::fs::read_to_string(corpus().join("workspace/rdl.yaml")).expect("rdl");
    for i in 0..40_000 {
        big_rdl.push_str(&format!(
            "  Class{i}: {{ parents: [Pump], label: class number {i} }}\n"
        ));
    }
    let long_columns: String = (0..20_000).map(|i| format!("\"c{i}\", ")).collect();
    vec![
        Input {
            name: "generated: an RDL of 40,000 classes".into(),
            case: case(
                "a real RDL is larger than the YAML parser's default budget of 250,000 values (issue 11, item 19)",
                &["lint"],
                0,
                &[],
            ),
            files: vec![("rdl.yaml".into(), big_rdl.into_bytes())],
        },
        Input {
            name: "generated: a YAML error at the end of a line of 160,000 characters".into(),
            case: case(
                "an unclosed bracket on a long line is located at its line, quoted as an excerpt (issue 11, items 13, 19)",
                &["lint"],
                2,
                &["unclosed bracket", "slices/assets.yaml:2:10"],
            ),
            files: vec![(
                "slices/assets.yaml".into(),
                format!("source: assets\ncolumns: [{long_columns}\n").into_bytes(),
            )],
        },
    ]
}

/// An xlsx workbook of one sheet, `Assets`, with the cells `fill` writes.
fn xlsx(fill: impl Fn(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Assets").expect("sheet name");
    fill(sheet);
    workbook.save_to_buffer().expect("xlsx")
}

/// The files of a case adding source `book` (book.xlsx, with the given options) and a
/// slice of it.
fn with_book(options: &str, book: Vec<u8>) -> Vec<(PathBuf, Vec<u8>)> {
    let config = format!(
        "rdl: rdl.yaml\nsources:\n  assets: {{ path: assets.csv }}\n  book: {{ path: book.xlsx{options} }}\noutput: out\n"
    );
    vec![
        ("thinslice.yaml".into(), config.into_bytes()),
        ("book.xlsx".into(), book),
        ("slices/book.yaml".into(), b"source: book\n".to_vec()),
    ]
}

fn workbook_inputs() -> Vec<Input> {
    let header = |sheet: &mut rust_xlsxwriter::Worksheet, columns: u16| {
        for c in 0..columns {
            sheet.write(0, c, format!("C{c}")).expect("header");
        }
    };
    let many_cells = xlsx(|sheet| {
        header(sheet, 10);
        for row in 1..200 {
            for c in 0..10 {
                sheet.write(row, c, "x").expect("cell");
            }
        }
    });
    let scattered = xlsx(|sheet| {
        header(sheet, 50);
        // One cell a row: few cells, but a table of 300 rows × 50 columns.
        for row in 1..300u32 {
            sheet.write(row, (row % 50) as u16, "x").expect("cell");
        }
    });
    let inflating = xlsx(|sheet| {
        header(sheet, 10);
        for row in 1..6_000 {
            for c in 0..10 {
                sheet
                    .write(row, c, "the same text in every cell")
                    .expect("cell");
            }
        }
    });
    let merged = xlsx(|sheet| {
        for (c, name) in ["ID", "Kind", "State"].iter().enumerate() {
            sheet.write(0, c as u16, *name).expect("header");
        }
        for row in 1..6u32 {
            sheet.write(row, 0, format!("B{row}")).expect("id");
            sheet.write(row, 1, "PUMP").expect("kind");
        }
        let format = rust_xlsxwriter::Format::new();
        sheet
            .merge_range(1, 2, 3, 2, "InService", &format)
            .expect("merged");
        sheet.write(4, 2, "OutOfService").expect("state");
        sheet.write(5, 2, "InService").expect("state");
    });
    let mut merged_files = with_book("", merged);
    merged_files.extend([
        (
            "rdl.yaml".into(),
            std::fs::read_to_string(corpus().join("workspace/rdl.yaml"))
                .expect("rdl")
                .replace("  Pump: {}", "  Pump: { requires: [state] }")
                .into_bytes(),
        ),
        (
            "mappings/book.yaml".into(),
            b"slice: book\nclass: Pump\nid: \"https://data.test/asset/{ID}\"\nproperties:\n  state: { from: State }\n".to_vec(),
        ),
    ]);
    let mut merged_run = case(
        "merged cells read as blank with no warning (issue 11, item 21)",
        &["run"],
        0,
        &[],
    );
    let why = |cell: &str| {
        format!(
            "\"required for Pump ({cell} is in merged cells C2:C4, read as blank: only C2 holds their value)\""
        )
    };
    merged_run.files.insert(
        "out/failures/book.csv".into(),
        vec![
            format!("{},book.xlsx:Assets!C3", why("C3")),
            format!("{},book.xlsx:Assets!C4", why("C4")),
        ],
    );
    let mut merged_profile = case(
        "merged cells read as blank with no warning (issue 11, item 21)",
        &["profile", "book"],
        0,
        &[],
    );
    merged_profile.stdout = vec!["warning: merged cells over the data (C2:C4)".into()];
    vec![
        Input {
            name: "generated: merged cells, run".into(),
            case: merged_run,
            files: merged_files.clone(),
        },
        Input {
            name: "generated: merged cells, profile".into(),
            case: merged_profile,
            files: merged_files,
        },
        Input {
            name: "generated: a sheet of more cells than its limit".into(),
            case: case(
                "a sheet too large for memory stops with a message, not the machine (issue 11, item 17)",
                &["run"],
                2,
                &[
                    "book.xlsx: sheet `Assets` is larger than 1000 cells (cells with a value)",
                    "thinslice.yaml:4:",
                    "max_cells",
                ],
            ),
            files: with_book(", max_cells: 1000", many_cells),
        },
        Input {
            name: "generated: a few cells scattered over a large table".into(),
            case: case(
                "cells far apart make a dense table of rows × columns (issue 11, item 17)",
                &["run"],
                2,
                &["larger than 1000 cells (rows × columns of its table)"],
            ),
            files: with_book(", max_cells: 1000", scattered),
        },
        Input {
            name: "generated: a workbook whose sheet inflates past its limit".into(),
            case: case(
                "a zip bomb is refused before it is inflated (issue 11, item 17)",
                &["run"],
                2,
                &[
                    "book.xlsx: its part `xl/worksheets/sheet1.xml` inflates to",
                    "past the limit of 1 MB",
                    "max_inflated_mb",
                ],
            ),
            files: with_book(", max_inflated_mb: 1", inflating),
        },
        Input {
            name: "generated: sheet limits on a CSV source".into(),
            case: case(
                "limits of workbooks on a CSV source are refused, not ignored",
                &["lint"],
                2,
                &["max_cells", "thinslice.yaml:3:"],
            ),
            files: vec![(
                "thinslice.yaml".into(),
                b"rdl: rdl.yaml\nsources:\n  assets: { path: assets.csv, max_cells: 10 }\noutput: out\n"
                    .to_vec(),
            )],
        },
    ]
}

#[test]
fn every_bad_input_fails_where_it_says_and_changes_no_output() {
    let base = base();
    let inputs: Vec<Input> = folders().into_iter().chain(generated()).collect();
    let problems: Vec<String> = std::thread::scope(|scope| {
        let chunks: Vec<_> = inputs.chunks(inputs.len().div_ceil(4).max(1)).collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                let base = base.path();
                scope.spawn(move || {
                    chunk
                        .iter()
                        .filter_map(|input| check(base, input).err())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("case thread"))
            .collect()
    });
    assert!(
        problems.is_empty(),
        "{} of {} cases:\n\n{}",
        problems.len(),
        inputs.len(),
        problems.join("\n\n")
    );
}
