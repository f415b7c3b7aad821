//! No value is changed without a word: what a source says reaches the things as it was
//! written, or fails where it stands (issue 11). Each test here failed before its fix.

use std::path::Path;

use crate::support::{TestWorkspace, files_under, some, strings};

/// An RDL with one class and a property of each kind these tests need.
const RDL: &str = "namespace: https://rdl.test/r#
units:
  m: { quantity: length }
  mm: { quantity: length, factor: 0.001 }
  W: { quantity: power }
  kW: { quantity: power, factor: 1000 }
classes:
  Asset: {}
properties:
  built: { datatype: date }
  seen: { datatype: datetime }
  size: { datatype: decimal, unit: m }
  power: { datatype: decimal, unit: W, min: 0 }
  name: { datatype: string }
  state: { datatype: code, values: [InService, OutOfService] }
";

/// A workspace reading `file` (CSV or xlsx, written by `write`) as source `assets`, mapped
/// to `Asset`s by `ID` with the given `properties:` block.
fn workspace(file: &str, properties: &str) -> TestWorkspace {
    TestWorkspace::new(&format!(
        "rdl: rdl.yaml\nsources:\n  assets: {{ path: {file} }}\noutput: out\n"
    ))
    .with_file("rdl.yaml", RDL)
    .with_file("slices/assets.yaml", "source: assets\n")
    .with_file(
        "mappings/assets.yaml",
        &format!(
            "slice: assets\nclass: Asset\nid: \"https://data.test/asset/{{ID}}\"\nproperties:\n{properties}"
        ),
    )
}

/// A diagnostic's text as one line: its wrapping and frame taken out.
fn flat(text: &str) -> String {
    text.replace(['│', '×'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A CSV file's rows as (column → values).
fn csv(path: &Path) -> Vec<Vec<String>> {
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    reader
        .records()
        .map(|r| r.expect("record").iter().map(str::to_string).collect())
        .collect()
}

/// The values of `column` in a CSV file the run wrote, in row order.
fn column(ws: &TestWorkspace, file: &str, name: &str) -> Vec<String> {
    let rows = csv(&ws.path().join(file));
    let at = rows[0]
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {file}: {:?}", rows[0]));
    rows[1..].iter().map(|r| r[at].clone()).collect()
}

#[test]
fn datetimes_keep_their_time_and_offset_and_iso_8601_is_read_by_default() {
    let ws = workspace("assets.csv", "  seen: { from: Seen }\n").with_file(
        "assets.csv",
        "ID,Seen\nA,2011-09-27T16:15:27\nB,2011-09-27T16:15:27+02:00\nC,2011-09-27\nD,27/09/2011\n",
    );
    ws.run(&["--no-progress", "run"]).expect(0);
    assert_eq!(
        column(&ws, "out/entities/assets.csv", "seen"),
        [
            "2011-09-27T16:15:27",
            "2011-09-27T16:15:27+02:00",
            "2011-09-27T00:00:00",
            ""
        ]
    );
    let triples = std::fs::read_to_string(ws.path().join("out/rdf/assets.nt")).expect("RDF");
    assert!(
        triples.contains(
            "<https://data.test/asset/B> <https://rdl.test/r#seen> \"2011-09-27T16:15:27+02:00\"^^<http://www.w3.org/2001/XMLSchema#dateTime> ."
        ),
        "{triples}"
    );
    assert_eq!(
        column(&ws, "out/failures/assets.csv", "value"),
        ["27/09/2011"]
    );
    assert_eq!(
        column(&ws, "out/failures/assets.csv", "rule"),
        ["not a datetime in ISO 8601"]
    );
}

/// A year read as a whole number is a year, not an Excel serial (2004 was 1905-06-26), and
/// a number in a date column is read as text in the mapping's formats.
#[test]
fn numbers_from_text_are_never_excel_serials() {
    let ws = workspace(
        "assets.csv",
        "  built: { from: Built, formats: [\"%Y\"] }\n",
    )
    .with_file("assets.csv", "ID,Built\nA,2004\nB,1999\n");
    ws.run(&["--no-progress", "run"]).expect(0);
    assert_eq!(
        column(&ws, "out/entities/assets.csv", "built"),
        ["2004-01-01", "1999-01-01"]
    );
    let plain = workspace("assets.csv", "  built: { from: Built }\n")
        .with_file("assets.csv", "ID,Built\nA,45000\nB,2023-03-15\n");
    plain.run(&["--no-progress", "run"]).expect(0);
    assert_eq!(
        column(&plain, "out/entities/assets.csv", "built"),
        ["", "2023-03-15"]
    );
    assert_eq!(
        column(&plain, "out/failures/assets.csv", "rule"),
        ["not a date in `%Y-%m-%d`"]
    );
    assert_eq!(
        column(&plain, "out/failures/assets.csv", "origin"),
        ["assets.csv:2"]
    );
}

/// A workbook cell styled as a date holds an Excel serial: those that are no date (the
/// 1900-02-29 Excel invents, a negative one) fail at their cell.
#[test]
fn excel_serials_that_are_no_date_fail_at_their_cell() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let book = dir.path().join("assets.xlsx");
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    sheet.write_string(0, 0, "ID").expect("cell");
    sheet.write_string(0, 1, "Built").expect("cell");
    for (row, (id, serial)) in [("A", 45000.0), ("B", 60.0), ("C", -5.0), ("D", 61.0)]
        .into_iter()
        .enumerate()
    {
        let row = row as u32 + 1;
        sheet.write_string(row, 0, id).expect("cell");
        sheet
            .write_number_with_format(row, 1, serial, &date)
            .expect("cell");
    }
    workbook.save(&book).expect("save");
    let bytes = std::fs::read(&book).expect("workbook");
    let ws = workspace("assets.xlsx", "  built: { from: Built }\n");
    std::fs::write(ws.path().join("assets.xlsx"), bytes).expect("copy");
    ws.run(&["--no-progress", "run"]).expect(0);
    let things = ws.parquet("out/entities/assets.parquet");
    assert_eq!(
        strings(&things, "built"),
        [
            Some("2023-03-15".into()),
            None,
            None,
            Some("1900-03-01".into())
        ]
    );
    assert_eq!(
        column(&ws, "out/failures/assets.csv", "value"),
        // A text starting with `-` is guarded against spreadsheet formulas.
        ["1900-02-29", "'-5"]
    );
    assert_eq!(
        column(&ws, "out/failures/assets.csv", "origin"),
        some(&["assets.xlsx:Sheet1!B3", "assets.xlsx:Sheet1!B4"])
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
    );
}

/// A converted value is the decimal the conversion gives: 350 mm is 0.35 m, not
/// 0.35000000000000003.
#[test]
fn unit_conversions_add_no_float_noise() {
    let ws = workspace(
        "assets.csv",
        "  size: { from: Size, unit: mm }\n  power: { from: Power, unit_in_value: true }\n",
    )
    .with_file(
        "assets.csv",
        "ID,Size,Power\nA,350,1.1 kW\nB,700,0.35 kW\nC,0.1,3 W\n",
    );
    ws.run(&["--no-progress", "run"]).expect(0);
    assert_eq!(
        column(&ws, "out/entities/assets.csv", "size"),
        ["0.35", "0.7", "0.0001"]
    );
    assert_eq!(
        column(&ws, "out/entities/assets.csv", "power"),
        ["1100.0", "350.0", "3.0"]
    );
    let triples = std::fs::read_to_string(ws.path().join("out/rdf/assets.nt")).expect("RDF");
    assert!(
        triples.contains(
            "<https://rdl.test/r#size> \"0.35\"^^<http://www.w3.org/2001/XMLSchema#decimal>"
        ),
        "{triples}"
    );
}

/// Identifiers and labels render the source's text as written, whatever type the column was
/// read as: `24` stays `24` beside `49.5` (it became `24.0`), with or without type inference.
#[test]
fn templates_render_the_text_as_written_whatever_the_inferred_type() {
    let mapping = "slice: assets\nclass: Asset\nid: \"https://data.test/asset/{ID}\"\nlabel: \"{Name} ({Size} m)\"\n";
    let run = |infer: bool| {
        let ws = TestWorkspace::new(&format!(
            "rdl: rdl.yaml\nsources:\n  assets: {{ path: assets.csv, infer_types: {infer} }}\noutput: out\n"
        ))
        .with_file("rdl.yaml", RDL)
        .with_file("slices/assets.yaml", "source: assets\n")
        .with_file("mappings/assets.yaml", mapping)
        .with_file("assets.csv", "ID,Name,Size\n24,Pipe,24\n49.5,,1e3\n10,Main,10\n");
        ws.run(&["--no-progress", "run"]).expect(0);
        (
            column(&ws, "out/entities/assets.csv", "id"),
            column(&ws, "out/entities/assets.csv", "label"),
        )
    };
    let inferred = run(true);
    assert_eq!(
        inferred.0,
        [
            "https://data.test/asset/24",
            "https://data.test/asset/49.5",
            "https://data.test/asset/10"
        ]
    );
    // An empty field is left out with the space after it.
    assert_eq!(inferred.1, ["Pipe (24 m)", "(1e3 m)", "Main (10 m)"]);
    assert_eq!(run(false), inferred, "inference changes no identifier");
}

/// A workbook's number renders as the cell shows it: 24, not 24.0.
#[test]
fn workbook_numbers_render_as_the_cell_shows_them() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let book = dir.path().join("assets.xlsx");
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "ID").expect("cell");
    for (row, id) in [24.0, 49.5].into_iter().enumerate() {
        sheet.write_number(row as u32 + 1, 0, id).expect("cell");
    }
    workbook.save(&book).expect("save");
    let ws = workspace("assets.xlsx", "  name: { value: pipe }\n");
    std::fs::copy(&book, ws.path().join("assets.xlsx")).expect("copy");
    ws.run(&["--no-progress", "run"]).expect(0);
    assert_eq!(
        column(&ws, "out/entities/assets.csv", "id"),
        ["https://data.test/asset/24", "https://data.test/asset/49.5"]
    );
}

/// Lines end in LF, CRLF or a lone CR: every origin is its own line, and the quarantine
/// holds exactly the rows the account counts (with every row on "line 1", a quarantined row
/// was joined to every other).
#[test]
fn origins_and_the_quarantine_hold_for_every_line_ending() {
    let mapping = "slice: assets\nclass: { from: Type, values: { PUMP: Asset } }\nid: \"https://data.test/asset/{ID}\"\nproperties:\n  size: { from: Size, unit: mm }\n";
    for csv_text in [
        "ID,Type,Size\rA,PUMP,1\rB,XXX,2\rC,PUMP,x\r",
        "ID,Type,Size\r\nA,PUMP,1\r\nB,XXX,2\rC,PUMP,x\n",
    ] {
        let ws = TestWorkspace::new(
            "rdl: rdl.yaml\nsources:\n  assets: { path: assets.csv }\noutput: out\n",
        )
        .with_file("rdl.yaml", RDL)
        .with_file("slices/assets.yaml", "source: assets\n")
        .with_file("mappings/assets.yaml", mapping)
        .with_file("assets.csv", csv_text);
        let run = ws
            .run(&["--no-progress", "run", "--format", "json"])
            .expect(0);
        let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
        assert_eq!(report["slices"][0]["quarantined"], 1, "{csv_text:?}");
        assert_eq!(
            column(&ws, "out/quarantine/assets.csv", "_origin"),
            ["assets.csv:3"],
            "{csv_text:?}"
        );
        assert_eq!(column(&ws, "out/quarantine/assets.csv", "ID"), ["B"]);
        assert_eq!(
            column(&ws, "out/failures/assets.csv", "origin"),
            ["assets.csv:3", "assets.csv:4"],
            "{csv_text:?}"
        );
    }
}

/// A constant value is checked against the RDL before any data: a wrong one failed once for
/// every thing at run time.
#[test]
fn constant_values_are_checked_before_any_data() {
    let ws = workspace(
        "assets.csv",
        "  power: { value: lots }\n  built: { value: \"2004-13-01\" }\n  seen: { value: \"2011-09-27T16:15:27\" }\n  size: { value: \"350\", unit: mm }\n",
    )
    .with_file("assets.csv", "ID\nA\n");
    let run = ws.run(&["--no-progress", "lint"]).expect(2);
    assert!(
        run.stderr
            .contains("2 problems found before reading any data"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("the constant `lots` of `power` would fail for every thing: not a number"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "the constant `2004-13-01` of `built` would fail for every thing: not a date in `%Y-%m-%d`"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("mappings/assets.yaml:5:"),
        "{}",
        run.stderr
    );
    assert!(!ws.path().join("out").exists(), "nothing was written");
}

/// Every value left out of its thing counts as a failed value (a power below the RDL's
/// minimum counted 0), and a property's code without a term is listed with the class codes.
#[test]
fn every_value_left_out_counts_and_every_unmapped_code_is_listed() {
    let ws = workspace(
        "assets.csv",
        "  power: { from: Power, unit: kW }\n  state: { from: State, values: { on: InService, off: OutOfService } }\n",
    )
    .with_file(
        "assets.csv",
        "ID,Power,State\nA,5,on\nB,-3,off\nC,x,Running\nD,1,Running\n",
    );
    let run = ws
        .run(&["--no-progress", "run", "--format", "json"])
        .expect(0);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    // -3 kW (below the minimum), x (no number), Running twice (no term).
    assert_eq!(report["slices"][0]["failed_values"], 4, "{}", run.stdout);
    assert_eq!(
        report["report"]["slices"][0]["unmapped_codes"],
        serde_json::json!([
            { "property": "state", "column": "State", "code": "Running", "count": 2, "first": "assets.csv:4" }
        ])
    );
    let text = ws.run(&["--no-progress", "run"]).expect(0);
    assert!(
        text.stdout
            .contains("unmapped codes (count, first at):\n  assets state from `State`: `Running` 2 (assets.csv:4)\n"),
        "{}",
        text.stdout
    );
}

/// A header-only export holds no rows: its 100% scores check nothing, which the run says,
/// and `quality: { rows: { min: 1 } }` fails it.
#[test]
fn a_slice_of_no_rows_says_so_and_a_row_minimum_fails_it() {
    let ws =
        workspace("assets.csv", "  name: { from: Name }\n").with_file("assets.csv", "ID,Name\n");
    let run = ws.run(&["--no-progress", "run"]).expect(0);
    assert!(
        run.stdout
            .contains("warning: slice `assets` holds 0 rows (0 read): its scores check nothing"),
        "{}",
        run.stdout
    );
    let config = std::fs::read_to_string(ws.path().join("thinslice.yaml")).expect("config");
    std::fs::write(
        ws.path().join("thinslice.yaml"),
        format!("{config}quality:\n  rows: {{ min: 1 }}\n"),
    )
    .expect("config");
    let run = ws.run(&["--no-progress", "run"]).expect(1);
    assert!(
        run.stdout
            .contains("FAIL: assets holds 0 rows, below the minimum 1"),
        "{}",
        run.stdout
    );
    let junit = std::fs::read_to_string(ws.path().join("out/junit.xml")).expect("junit");
    assert!(
        junit.contains("<failure message=\"rows: 0 in the slice, minimum 1\"/>"),
        "{junit}"
    );
    let bad = ws.with_file(
        "thinslice.yaml",
        &format!("{config}quality:\n  rows: {{ min: 0.5 }}\n"),
    );
    let run = bad.run(&["--no-progress", "lint"]).expect(2);
    assert!(
        run.stderr
            .contains("the `rows` minimum must be a whole number of rows, not 0.5"),
        "{}",
        run.stderr
    );
}

/// A failure of a row that became a thing names the thing: a class code without a term,
/// under `unmapped: warn`, had an empty id.
#[test]
fn a_failure_of_a_thing_names_its_id() {
    let mapping = "slice: assets\nclass: { from: Type, values: { PUMP: Asset }, unmapped: warn }\nid: \"https://data.test/asset/{ID}\"\n";
    let ws = TestWorkspace::new(
        "rdl: rdl.yaml\nsources:\n  assets: { path: assets.csv }\noutput: out\n",
    )
    .with_file("rdl.yaml", RDL)
    .with_file("slices/assets.yaml", "source: assets\n")
    .with_file("mappings/assets.yaml", mapping)
    .with_file("assets.csv", "ID,Type\nA,PUMP\nB,XXX\n");
    ws.run(&["--no-progress", "run"]).expect(0);
    assert_eq!(
        column(&ws, "out/failures/assets.csv", "id"),
        ["https://data.test/asset/B"]
    );
    assert_eq!(column(&ws, "out/failures/assets.csv", "value"), ["XXX"]);
}

/// Identifiers are IRIs or the thing is quarantined with the reason: a control character is
/// escaped like any other, and a template whose scheme comes from the data can still fail;
/// such things vanished from the RDF without a word.
#[test]
fn every_thing_has_an_iri_or_is_quarantined_with_the_reason() {
    let mapping = "slice: assets\nclass: Asset\nid: \"{Scheme}://data.test/asset/{ID}\"\n";
    let ws = TestWorkspace::new(
        "rdl: rdl.yaml\nsources:\n  assets: { path: assets.csv }\noutput: out\n",
    )
    .with_file("rdl.yaml", RDL)
    .with_file("slices/assets.yaml", "source: assets\n")
    .with_file("mappings/assets.yaml", mapping)
    .with_file("assets.csv", "Scheme,ID\nhttps,A\u{1}[1]\nhttps,B\n1x,C\n");
    let run = ws
        .run(&["--no-progress", "run", "--format", "json"])
        .expect(0);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(report["slices"][0]["things"], 2, "{}", run.stdout);
    assert_eq!(
        report["slices"][0]["triples"], 2,
        "every thing is in the RDF"
    );
    assert_eq!(
        column(&ws, "out/entities/assets.csv", "id"),
        [
            "https://data.test/asset/A%01%5B1%5D",
            "https://data.test/asset/B"
        ]
    );
    let reasons = column(&ws, "out/quarantine/assets.csv", "reason");
    assert_eq!(reasons.len(), 1);
    assert!(
        reasons[0].starts_with("identifier `1x://data.test/asset/C` is not an IRI: "),
        "{reasons:?}"
    );
    assert_eq!(
        column(&ws, "out/quarantine/assets.csv", "_origin"),
        ["assets.csv:4"]
    );
}

/// RDL names and identifier templates that cannot make IRIs are refused before any data:
/// they wrote N-Triples no parser reads.
#[test]
fn names_and_templates_that_make_no_iri_are_refused() {
    let rdl = "namespace: https://rdl.test/r#\nclasses:\n  Pump Unit: {}\nproperties:\n  state: { datatype: code, values: [In, Out>Service] }\n";
    let ws = TestWorkspace::new("rdl: rdl.yaml\nsources:\n  assets: { path: assets.csv }\n")
        .with_file("rdl.yaml", rdl)
        .with_file("slices/assets.yaml", "source: assets\n")
        .with_file("assets.csv", "ID\nA\n");
    let run = ws.run(&["--no-progress", "lint"]).expect(2);
    assert!(
        run.stderr
            .contains("class `Pump Unit` does not make an IRI: `https://rdl.test/r#Pump Unit`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("value `Out>Service` does not make an IRI"),
        "{}",
        run.stderr
    );
    let template = workspace("assets.csv", "  name: { from: ID }\n")
        .with_file("assets.csv", "ID\nA\n")
        .with_file(
            "mappings/assets.yaml",
            "slice: assets\nclass: Asset\nid: \"asset {ID}\"\n",
        );
    let run = template.run(&["--no-progress", "lint"]).expect(2);
    assert!(
        run.stderr
            .contains("the identifier template does not make an IRI: `asset x`"),
        "{}",
        run.stderr
    );
}

/// A slice whose `where:` line is long, with a mistake past column 65,535 (miette panicked
/// drawing it), and one whose condition joins 20,000 comparisons (polars' parser ran out of
/// stack): each is a located error, exit 2, quoted as a short excerpt.
#[test]
fn long_and_deep_conditions_are_located_errors_not_crashes() {
    let values: Vec<String> = (0..9000).map(|i| format!("'x{i:05}'")).collect();
    let long = format!(
        "source: assets\nwhere: \"\\\"Name\\\" IN ({}) AND \\\"Typo\\\" = 1\"\n",
        values.join(", ")
    );
    let ws = workspace("assets.csv", "  name: { from: Name }\n")
        .with_file("assets.csv", "ID,Name\nA,x\n")
        .with_file("slices/assets.yaml", &long);
    let run = ws.run(&["--no-progress", "lint"]).expect(2);
    assert!(
        run.stderr.contains("source `assets` has no column `Typo`"),
        "{}",
        run.stderr
    );
    let column = long
        .lines()
        .nth(1)
        .and_then(|l| l.find("Typo"))
        .expect("Typo")
        + 1;
    assert!(column > 65_535, "{column}");
    assert!(
        run.stderr
            .contains(&format!("slices/assets.yaml:2:{column}]")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.len() < 2_000,
        "an excerpt, not the whole line: {}",
        run.stderr.len()
    );

    let ors: Vec<String> = (0..20_000)
        .map(|i| format!("\\\"Name\\\" = 'x{i}'"))
        .collect();
    let deep = format!("source: assets\nwhere: \"{}\"\n", ors.join(" OR "));
    let ws = ws.with_file("slices/assets.yaml", &deep);
    let run = ws.run(&["--no-progress", "run"]).expect(2);
    assert!(
        run.stderr
            .contains("the condition joins 20000 conditions with AND and OR"),
        "{}",
        run.stderr
    );
    // A long but legal condition runs.
    let legal: Vec<String> = (0..1_000)
        .map(|i| format!("\\\"Name\\\" = 'x{i}'"))
        .collect();
    let ws = ws.with_file(
        "slices/assets.yaml",
        &format!("source: assets\nwhere: \"{}\"\n", legal.join(" OR ")),
    );
    ws.run(&["--no-progress", "run"]).expect(0);
}

/// The output folder can be neither the filesystem's root, the workspace, a folder above it,
/// nor a folder holding an input: a run replaces what it writes there, and wrote over its
/// own sources.
#[test]
fn an_output_folder_that_would_harm_the_workspace_is_refused() {
    for (output, reason) in [
        ("/", "it is the filesystem's root"),
        (".", "it is the workspace folder itself"),
        ("..", "it holds the workspace folder"),
        (
            "data",
            "it holds source `assets` (data/assets.csv), which the run reads",
        ),
        (
            "slices/out",
            "it lies inside the slices folder, which the run reads",
        ),
    ] {
        let ws = TestWorkspace::new(&format!(
            "sources:\n  assets: {{ path: data/assets.csv }}\noutput: \"{output}\"\n"
        ))
        .with_file("data/assets.csv", "ID\nA\n")
        .with_file("slices/assets.yaml", "source: assets\n");
        let before = std::fs::read_to_string(ws.path().join("data/assets.csv")).expect("source");
        let run = ws.run(&["--no-progress", "slice"]).expect(2);
        assert!(
            flat(&run.stderr).contains(reason),
            "{output}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains("thinslice.yaml:3:"),
            "{output}: {}",
            run.stderr
        );
        let after = std::fs::read_to_string(ws.path().join("data/assets.csv")).expect("source");
        assert_eq!(before, after);
    }
}

/// A source outside the workspace (a relative path up, an absolute path, a link) is refused
/// unless `allowed_folders` names its folder; nothing of it is read or echoed.
#[test]
fn sources_outside_the_workspace_are_refused_unless_allowed() {
    let outside = tempfile::tempdir().expect("outside folder");
    std::fs::write(outside.path().join("secret.csv"), "root:x:0:0\n").expect("secret");
    let absolute = outside.path().join("secret.csv");
    let ws = TestWorkspace::new(&format!(
        "sources:\n  up: {{ path: ../../../../../../etc/passwd, format: csv }}\n  abs: {{ path: \"{}\" }}\n  link: {{ path: data/link.csv }}\n",
        absolute.display()
    ))
    .with_file("slices/up.yaml", "source: up\ncolumns: [nope]\n");
    std::fs::create_dir_all(ws.path().join("data")).expect("data");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&absolute, ws.path().join("data/link.csv")).expect("link");
    let run = ws.run(&["--no-progress", "lint"]).expect(2);
    for id in ["up", "abs", "link"] {
        assert!(
            run.stderr.contains(&format!("source `{id}`"))
                && run.stderr.contains("lies outside the workspace folder"),
            "{id}: {}",
            run.stderr
        );
    }
    assert!(
        !run.stderr.contains("root:x"),
        "nothing of an outside file is echoed: {}",
        run.stderr
    );
    let allowed = TestWorkspace::new(&format!(
        "sources:\n  abs: {{ path: \"{}\" }}\nallowed_folders: [\"{}\"]\n",
        absolute.display(),
        outside.path().display()
    ))
    .with_file("slices/abs.yaml", "source: abs\n");
    allowed.run(&["--no-progress", "slice"]).expect(0);
}

/// Names that meet the columns thinslice writes get a message in the user's terms, not
/// polars' plan: a source column `_origin`, an RDL property `label`; and Parquet columns
/// `name` and ` name ` are told apart as a CSV header's would be.
#[test]
fn names_that_meet_thinslices_columns_are_located_errors() {
    let ws = workspace("assets.csv", "  name: { from: Name }\n")
        .with_file("assets.csv", "ID,Name,_origin\nA,x,y\n");
    let run = ws.run(&["--no-progress", "run"]).expect(2);
    let text = flat(&run.stderr);
    assert!(
        text.contains(
            "the slice has a column named `_origin`, a name thinslice gives a column it writes"
        ),
        "{}",
        run.stderr
    );
    assert!(!text.contains("duplicate"), "{}", run.stderr);

    let rdl = RDL.replace(
        "  name: { datatype: string }",
        "  label: { datatype: string }",
    );
    let ws = workspace("assets.csv", "  label: { from: Name }\n")
        .with_file("rdl.yaml", &rdl)
        .with_file("assets.csv", "ID,Name\nA,x\n");
    let run = ws.run(&["--no-progress", "lint"]).expect(2);
    assert!(
        flat(&run.stderr).contains("the property `label` cannot be mapped"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("mappings/assets.yaml:5:"),
        "{}",
        run.stderr
    );

    use polars::prelude::*;
    let mut frame =
        df!("ID" => ["A", "B"], "name" => ["x", "y"], " name " => ["1", "2"]).expect("frame");
    let ws = workspace("assets.parquet", "  name: { from: \"name (2)\" }\n");
    let file = std::fs::File::create(ws.path().join("assets.parquet")).expect("file");
    ParquetWriter::new(file).finish(&mut frame).expect("write");
    ws.run(&["--no-progress", "run"]).expect(0);
    assert_eq!(column(&ws, "out/entities/assets.csv", "name"), ["1", "2"]);
}

/// A small filesystem of its own, unmounted when dropped; None where mounting is not allowed.
struct SmallDisk(tempfile::TempDir);

impl SmallDisk {
    fn mount(bytes: u32) -> Option<Self> {
        let dir = tempfile::tempdir().ok()?;
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .ok()?
            .status
            .success();
        mounted.then_some(SmallDisk(dir))
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg(self.0.path())
            .status();
    }
}

/// A full disk is said as such, naming the file (Parquet's footer writer had reported
/// "Invalid thrift: transport error"), and no partial file is left behind. Runs
/// where a tmpfs can be mounted (as root); elsewhere output::tests covers the writers.
#[test]
fn a_full_disk_is_named_with_the_file_and_leaves_no_partial_file() {
    let Some(disk) = SmallDisk::mount(8 * 1024) else {
        eprintln!("skipped: no tmpfs can be mounted here");
        return;
    };
    let ws = workspace("assets.csv", "  name: { from: Name }\n").with_file(
        "thinslice.yaml",
        &format!(
            "rdl: rdl.yaml\nsources:\n  assets: {{ path: assets.csv }}\noutput: \"{}\"\noutputs: [parquet]\n",
            disk.0.path().join("out").display()
        ),
    );
    let rows: String = (0..20_000)
        .map(|i| format!("A{i},name number {i}\n"))
        .collect();
    let ws = ws.with_file("assets.csv", &format!("ID,Name\n{rows}"));
    let run = ws.run(&["--no-progress", "run"]).expect(2);
    let text = flat(&run.stderr);
    assert!(text.contains("cannot write"), "{}", run.stderr);
    assert!(
        text.contains("no space left on the device"),
        "{}",
        run.stderr
    );
    let partials: Vec<_> = files_under(&disk.0.path().join("out"))
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".partial"))
        .collect();
    assert!(partials.is_empty(), "no partial file left: {partials:?}");
}
