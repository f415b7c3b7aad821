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
    yaml_inputs()
        .into_iter()
        .chain(workbook_inputs())
        .chain(sheet_inputs())
        .chain(parquet_inputs())
        .collect()
}

fn yaml_inputs() -> Vec<Input> {
    let mut big_rdl = std::fs::read_to_string(corpus().join("workspace/rdl.yaml")).expect("rdl");
    for i in 0..40_000 {
        big_rdl.push_str(&format!(
            "  Class{i}: {{ parents: [Pump], label: class number {i} }}\n"
        ));
    }
    let long_columns: String = (0..20_000).map(|i| format!("\"c{i}\", ")).collect();
    // A `where:` of 9,000 values (90,000 characters) naming an unknown column past column
    // 65,535, where miette panicked drawing the label.
    let values: Vec<String> = (0..9_000).map(|i| format!("'x{i:05}'")).collect();
    let long_where = format!(
        "source: assets\nwhere: \"\\\"Name\\\" IN ({}) AND \\\"Typo\\\" = 1\"\n",
        values.join(", ")
    );
    let typo_column = long_where
        .lines()
        .nth(1)
        .and_then(|l| l.find("Typo"))
        .expect("Typo")
        + 1;
    assert!(typo_column > 65_535, "{typo_column}");
    let unparsable_where = format!(
        "source: assets\nwhere: \"\\\"Name\\\" IN ({}) AND AND \\\"Kind\\\" = 'PUMP'\"\n",
        values.join(", ")
    );
    // A source's `nulls:` of 9,000 values, then a misspelt key past column 65,535.
    let nulls: Vec<String> = (0..9_000).map(|i| format!("\"n{i:05}\"")).collect();
    let long_nulls = format!(
        "rdl: rdl.yaml\nsources:\n  assets: {{ path: assets.csv, nulls: [{}], infer_type: false }}\noutput: out\n",
        nulls.join(", ")
    );
    let key_column = long_nulls
        .lines()
        .nth(2)
        .and_then(|l| l.find("infer_type"))
        .expect("key")
        + 1;
    assert!(key_column > 65_535, "{key_column}");
    vec![
        Input {
            name: "generated: a `where:` line of 90,000 characters naming an unknown column".into(),
            case: case(
                "a mistake past column 65,535 of a long `where:` line panicked inside miette (exit 101); it is located, quoted as an excerpt (issue 11, item 13)",
                &["lint"],
                2,
                &[
                    "thinslice::slice::column",
                    "source `assets` has no column `Typo`",
                    &format!("slices/assets.yaml:2:{typo_column}]"),
                ],
            ),
            files: vec![("slices/assets.yaml".into(), long_where.into_bytes())],
        },
        Input {
            name: "generated: a `where:` line of 90,000 characters that does not parse".into(),
            case: case(
                "a long `where:` line that does not parse is located at its condition, not a panic (issue 11, item 13)",
                &["lint"],
                2,
                &[
                    "thinslice::slice::condition",
                    "the `where` condition does not parse",
                    "slices/assets.yaml:2:8]",
                ],
            ),
            files: vec![("slices/assets.yaml".into(), unparsable_where.into_bytes())],
        },
        Input {
            name: "generated: a `nulls:` line of 90,000 characters with a misspelt key at its end"
                .into(),
            case: case(
                "an unknown key past column 65,535 of a long `nulls:` line (issue 11, item 13)",
                &["lint"],
                2,
                &[
                    "thinslice::yaml::invalid",
                    "unknown field `infer_type`",
                    &format!("thinslice.yaml:3:{key_column}]"),
                ],
            ),
            files: vec![("thinslice.yaml".into(), long_nulls.into_bytes())],
        },
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
                    "thinslice::source::too_many_cells",
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
                    "thinslice::source::inflates",
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

/// A case that runs to the end (exit 0) and leaves these texts in these files.
fn value_case(about: &str, files: &[(&str, &[&str])]) -> Case {
    let mut case = case(about, &["run"], 0, &[]);
    for (file, texts) in files {
        case.files.insert(
            file.to_string(),
            texts.iter().map(|t| t.to_string()).collect(),
        );
    }
    case
}

/// Workbooks whose header or cells are wrong: no such sheet, no header row, a reserved
/// column name, Excel serials that are no date.
fn sheet_inputs() -> Vec<Input> {
    let assets = |sheet: &mut rust_xlsxwriter::Worksheet| {
        for (c, name) in ["ID", "Kind", "Built"].iter().enumerate() {
            sheet.write(0, c as u16, *name).expect("header");
        }
        let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        for (row, (id, serial)) in [("B1", 45000.0), ("B2", -5.0), ("B3", 60.0), ("B4", 61.0)]
            .into_iter()
            .enumerate()
        {
            let row = row as u32 + 1;
            sheet.write(row, 0, id).expect("id");
            sheet.write(row, 1, "PUMP").expect("kind");
            sheet
                .write_number_with_format(row, 2, serial, &date)
                .expect("date");
        }
    };
    let mut serials = with_book("", xlsx(assets));
    serials.push((
        "mappings/book.yaml".into(),
        b"slice: book\nclass: Pump\nid: \"https://data.test/book/{ID}\"\nproperties:\n  built: { from: Built }\n"
            .to_vec(),
    ));
    let blank_header = xlsx(|sheet| {
        sheet.write(0, 0, "Asset register").expect("title");
        sheet.write(2, 0, "ID").expect("header");
        sheet.write(3, 0, "P1").expect("id");
    });
    let reserved = xlsx(|sheet| {
        for (c, name) in ["ID", "Kind", "__row"].iter().enumerate() {
            sheet.write(0, c as u16, *name).expect("header");
        }
        sheet.write(1, 0, "P1").expect("id");
    });
    vec![
        Input {
            name: "generated: Excel serials that are no date in date-styled cells".into(),
            case: value_case(
                "a negative serial, and Excel's invented 1900-02-29, in cells styled as dates were accepted as dates; each is a validity failure at its cell (issue 11, item 6)",
                &[
                    (
                        "out/failures/book.csv",
                        &[
                            "validity,https://data.test/book/B2,built,'-5,not a date in `%Y-%m-%d`,book.xlsx:Assets!C3",
                            "validity,https://data.test/book/B3,built,1900-02-29,not a date in `%Y-%m-%d`,book.xlsx:Assets!C4",
                        ],
                    ),
                    (
                        "out/entities/book.csv",
                        &[
                            "https://data.test/book/B1,Pump,2023-03-15,book.xlsx:Assets!A2:C2",
                            "https://data.test/book/B2,Pump,,book.xlsx:Assets!A3:C3",
                            "https://data.test/book/B4,Pump,1900-03-01,book.xlsx:Assets!A5:C5",
                        ],
                    ),
                ],
            ),
            files: serials,
        },
        Input {
            name: "generated: a sheet that is not in the workbook".into(),
            case: case(
                "`sheet:` names a sheet the workbook does not have",
                &["run"],
                2,
                &[
                    "thinslice::source::sheet",
                    "book.xlsx: no sheet named `Asets`",
                    "thinslice.yaml:4:",
                    "Assets",
                ],
            ),
            files: with_book(", sheet: Asets", xlsx(|_| {})),
        },
        Input {
            name: "generated: a header row past the end of the sheet".into(),
            case: case(
                "`header_row: 40` on a sheet of 5 rows",
                &["run"],
                2,
                &[
                    "thinslice::source::header_row",
                    "book.xlsx: header row 40 is past the end of sheet `Assets`, whose last row is 5",
                    "thinslice.yaml:4:",
                ],
            ),
            files: with_book(", header_row: 40", xlsx(assets)),
        },
        Input {
            name: "generated: a blank header row".into(),
            case: case(
                "`header_row: 2` names the blank row between a title and the header",
                &["run"],
                2,
                &[
                    "thinslice::source::header_row",
                    "book.xlsx: header row 2 of sheet `Assets` is blank",
                    "thinslice.yaml:4:",
                ],
            ),
            files: with_book(", header_row: 2", blank_header),
        },
        Input {
            name: "generated: a workbook header `__row`".into(),
            case: case(
                "a header cell holding the name of the column thinslice keeps each row's place in is refused at its cell (issue 11, item 18)",
                &["run"],
                2,
                &[
                    "thinslice::source::reserved",
                    "book.xlsx:Assets!C1: the column name `__row` is reserved by thinslice",
                ],
            ),
            files: with_book("", reserved),
        },
    ]
}

/// A Parquet file of `frame`'s columns.
fn parquet(mut frame: polars::prelude::DataFrame) -> Vec<u8> {
    use polars::prelude::*;
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes)
        .finish(&mut frame)
        .expect("parquet");
    bytes
}

/// The files of a case adding source `items` (items.parquet, with the given options) and a
/// slice of it, with the given mapping.
fn with_parquet(options: &str, file: Vec<u8>, mapping: Option<&str>) -> Vec<(PathBuf, Vec<u8>)> {
    let config = format!(
        "rdl: rdl.yaml\nsources:\n  assets: {{ path: assets.csv }}\n  items: {{ path: items.parquet{options} }}\noutput: out\n"
    );
    let mut files = vec![
        ("thinslice.yaml".into(), config.into_bytes()),
        ("items.parquet".into(), file),
        ("slices/items.yaml".into(), b"source: items\n".to_vec()),
    ];
    if let Some(mapping) = mapping {
        files.push(("mappings/items.yaml".into(), mapping.as_bytes().to_vec()));
    }
    files
}

fn parquet_inputs() -> Vec<Input> {
    use polars::prelude::*;
    let spaced = || {
        parquet(
            df!("ID" => ["P1", "P2"], "name" => ["x", "y"], " name " => ["spaced 1", "spaced 2"])
                .expect("frame"),
        )
    };
    let mapping = |column: &str| {
        format!(
            "slice: items\nclass: Pump\nid: \"https://data.test/item/{{ID}}\"\nproperties:\n  name: {{ from: \"{column}\" }}\n"
        )
    };
    let reserved = parquet(df!("ID" => ["P1"], "__thinslice:x" => ["y"]).expect("frame"));
    vec![
        Input {
            name: "generated: Parquet columns `name` and ` name `".into(),
            case: value_case(
                "Parquet columns `name` and ` name ` reached the user as \"not a Parquet file\"; they are told apart as a CSV header's would be, ` name ` read as `name (2)` (issue 11, item 18)",
                &[(
                    "out/entities/items.csv",
                    &[
                        "https://data.test/item/P1,Pump,spaced 1,items.parquet:1",
                        "https://data.test/item/P2,Pump,spaced 2,items.parquet:2",
                    ],
                )],
            ),
            files: with_parquet("", spaced(), Some(&mapping("name (2)"))),
        },
        Input {
            name: "generated: a mapping of the Parquet column ` name ` by its untrimmed name"
                .into(),
            case: case(
                "columns are addressed by their header trimmed, so a mapping of ` name ` as written names no column; its help names the columns it may be (issue 11, item 18)",
                &["lint"],
                2,
                &[
                    "thinslice::mapping::unknown",
                    "unknown column ` name `",
                    "mappings/items.yaml:5:18",
                ],
            ),
            files: with_parquet("", spaced(), Some(&mapping(" name "))),
        },
        Input {
            name: "generated: a Parquet column named as thinslice's hidden columns".into(),
            case: case(
                "a Parquet column `__thinslice:x`, the prefix of the columns thinslice computes, is refused (issue 11, item 18)",
                &["run"],
                2,
                &[
                    "thinslice::source::reserved",
                    "items.parquet: the column name `__thinslice:x` is reserved by thinslice",
                ],
            ),
            files: with_parquet("", reserved, None),
        },
        Input {
            name: "generated: `header_row` on a Parquet source".into(),
            case: case(
                "a Parquet file has no header row to choose: the option is refused, not ignored",
                &["lint"],
                2,
                &[
                    "thinslice::workspace::misplaced_option",
                    "`header_row` applies to CSV files and workbooks, but source `items`",
                    "thinslice.yaml:4:",
                ],
            ),
            files: with_parquet(", header_row: 2", spaced(), None),
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
