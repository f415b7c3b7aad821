//! Every reader option on real files, with values and origins checked exactly.

use polars::prelude::*;
use serde_json::Value;

use crate::support::{TestWorkspace, dtype, some, strings};

/// A workspace with one source and a slice `all` that keeps everything from it.
fn one_source(source: &str, extra: &str) -> TestWorkspace {
    TestWorkspace::new(&format!("{extra}sources:\n  src: {source}\n"))
        .with_file("slices/all.yaml", "source: src\n")
}

#[test]
fn utf8_with_bom_crlf_quotes_and_null_sentinels() {
    let ws = one_source(
        "{ path: csv/bom-crlf.csv }",
        "nulls: [\"\", \"N/A\", \"#NULL#\"]\n",
    )
    .with_fixture("csv/bom-crlf.csv");
    ws.run(&["slice"]).expect(0);
    let rows = ws.parquet("out/slices/all.parquet");
    // Line 3 continues line 2's quoted note; line 5 is blank.
    assert_eq!(
        strings(&rows, "_origin"),
        some(&[
            "csv/bom-crlf.csv:2",
            "csv/bom-crlf.csv:4",
            "csv/bom-crlf.csv:6",
            "csv/bom-crlf.csv:7"
        ])
    );
    // The byte-order mark is not part of the first header.
    assert_eq!(
        strings(&rows, "Asset ID"),
        some(&["P-1", "P-2", "P-3", "P-4"])
    );
    assert_eq!(
        strings(&rows, "Name"),
        some(&["Pump, north", "Pump south", "Pump \"east\"", "Pump west"])
    );
    assert_eq!(dtype(&rows, "Rated kW"), DataType::Float64);
    let rated: Vec<Option<f64>> = rows
        .column("Rated kW")
        .expect("column")
        .f64()
        .expect("decimal")
        .iter()
        .collect();
    assert_eq!(rated, [Some(7.5), None, Some(12.0), Some(0.5)]);
    // A whitespace-only cell and a sentinel are both nulls.
    assert_eq!(
        strings(&rows, "Note"),
        [
            Some("two\r\nlines".to_string()),
            None,
            None,
            Some("ok".to_string())
        ]
    );
}

#[test]
fn windows_1252_tabs_custom_quote_and_a_header_below_a_title() {
    let ws = one_source(
        "{ path: csv/cp1252-tabs.txt, delimiter: \"\\t\", quote: \"'\", encoding: windows-1252, header_row: 3 }",
        "",
    )
    .with_fixture("csv/cp1252-tabs.txt");
    ws.run(&["slice"]).expect(0);
    let rows = ws.parquet("out/slices/all.parquet");
    assert_eq!(
        strings(&rows, "_origin"),
        some(&["csv/cp1252-tabs.txt:4", "csv/cp1252-tabs.txt:5"])
    );
    // Leading zeros make codes, not numbers; decimal commas stay text for the mapping.
    assert_eq!(strings(&rows, "Code"), some(&["007", "012"]));
    assert_eq!(
        strings(&rows, "Lieu"),
        some(&["Sainte-Hélène", "Quai; nord"])
    );
    assert_eq!(strings(&rows, "Tension"), some(&["0,4", "11"]));
}

#[test]
fn type_inference_can_be_turned_off() {
    let ws = one_source("{ path: csv/bom-crlf.csv, infer_types: false }", "")
        .with_fixture("csv/bom-crlf.csv");
    ws.run(&["slice"]).expect(0);
    let rows = ws.parquet("out/slices/all.parquet");
    assert_eq!(dtype(&rows, "Rated kW"), DataType::String);
    // With only the default sentinel, `N/A` is a value.
    assert_eq!(strings(&rows, "Rated kW")[1].as_deref(), Some("N/A"));
}

/// The same register saved as .xlsx (rust_xlsxwriter), .xls (BIFF8) and .ods (LibreOffice).
fn check_register(file: &str) {
    let ws = one_source(
        &format!("{{ path: workbooks/{file}, sheet: Register, header_row: 3 }}"),
        "nulls: [\"\", \"n/a\"]\n",
    )
    .with_fixture(&format!("workbooks/{file}"));
    ws.run(&["slice"]).expect(0);
    let rows = ws.parquet("out/slices/all.parquet");
    let names: Vec<String> = rows
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    // The header " Code " is trimmed; F has values but no header; blank row 6 is skipped.
    assert_eq!(
        names,
        [
            "_origin", "Code", "Count", "Ratio", "Active", "Since", "column F", "Double", "Mixed"
        ]
    );
    let origin = |row: u32| format!("workbooks/{file}:Register!A{row}:H{row}");
    assert_eq!(
        strings(&rows, "_origin"),
        [4, 5, 7, 8].map(|r| Some(origin(r))).to_vec()
    );
    assert_eq!(
        strings(&rows, "Code"),
        [
            Some("A-001".to_string()),
            Some("A-002".to_string()),
            None,
            Some("A-004".to_string())
        ]
    );
    assert_eq!(dtype(&rows, "Count"), DataType::Int64);
    assert_eq!(strings(&rows, "Count"), some(&["3", "5", "0", "12"]));
    assert_eq!(dtype(&rows, "Ratio"), DataType::Float64);
    assert_eq!(
        strings(&rows, "Ratio"),
        some(&["0.25", "1.5", "2.0", "-0.5"])
    );
    assert_eq!(dtype(&rows, "Since"), DataType::Date);
    assert_eq!(
        strings(&rows, "Since"),
        some(&["2004-03-12", "1999-12-31", "2020-02-29", "1987-06-14"])
    );
    // The formula's cached value.
    assert_eq!(strings(&rows, "Double"), some(&["6", "10", "0", "24"]));
    // A date cell, a date typed as text, a number and a blank: text, dates in ISO form.
    assert_eq!(
        strings(&rows, "Mixed"),
        [
            Some("2001-01-02".to_string()),
            Some("12/03/2004".to_string()),
            Some("42".to_string()),
            None
        ]
    );
    assert_eq!(
        strings(&rows, "column F"),
        some(&["note 1", "note 2", "note 3", "note 4"])
    );

    // Every value's origin is its cell.
    let profile = ws.run(&["profile", "src", "--format", "json"]).expect(0);
    let profile: Value = serde_json::from_str(&profile.stdout).expect("JSON");
    let example = |column: &str| {
        profile["columns"]
            .as_array()
            .expect("columns")
            .iter()
            .find(|c| c["name"] == column)
            .map(|c| {
                c["example"]["origin"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
    };
    assert_eq!(
        example("Count"),
        Some(format!("workbooks/{file}:Register!B4"))
    );
    assert_eq!(
        example("Mixed"),
        Some(format!("workbooks/{file}:Register!H4"))
    );
}

#[test]
fn xlsx_sheets_keep_types_cached_formulas_and_cell_addresses() {
    check_register("register.xlsx");
    let ws = one_source(
        "{ path: workbooks/register.xlsx, sheet: Register, header_row: 3 }",
        "",
    )
    .with_fixture("workbooks/register.xlsx");
    ws.run(&["slice"]).expect(0);
    let rows = ws.parquet("out/slices/all.parquet");
    assert_eq!(dtype(&rows, "Active"), DataType::Boolean);
    assert_eq!(
        strings(&rows, "Active"),
        some(&["true", "false", "true", "false"])
    );
}

#[test]
fn legacy_xls_reads_like_xlsx() {
    check_register("register.xls");
}

#[test]
fn ods_reads_like_xlsx() {
    // LibreOffice stores the booleans of this file as `=TRUE()` formulas with numeric cached
    // values, so here they read as 1 and 0: the file says numbers.
    check_register("register.ods");
}

#[test]
fn parquet_rows_are_numbered_from_one() {
    let ws = TestWorkspace::example();
    let run = ws
        .run(&["profile", "telecom", "--format", "json"])
        .expect(0);
    let profile: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(profile["rows"], 120);
    let columns = profile["columns"].as_array().expect("columns");
    let feed = columns
        .iter()
        .find(|c| c["name"] == "power_feed")
        .expect("power_feed");
    assert_eq!(feed["type"], "text");
    assert_eq!(feed["nulls"], 1);
    assert_eq!(
        feed["example"]["origin"],
        "examples/telecom/exchanges.parquet:1"
    );
    let commissioned = columns
        .iter()
        .find(|c| c["name"] == "commissioned")
        .expect("commissioned");
    assert_eq!(commissioned["type"], "date");
}

#[test]
fn profile_counts_nulls_distinct_values_and_the_most_frequent() {
    let ws = TestWorkspace::example();
    let run = ws
        .run(&["profile", "water", "--format", "json", "--top", "2"])
        .expect(0);
    let profile: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(profile["rows"], 240);
    let columns = profile["columns"].as_array().expect("columns");
    let id = &columns[0];
    assert_eq!(id["name"], "Asset ID");
    // One id is missing (Assets!A22), one is written twice.
    assert_eq!(id["nulls"], 1);
    assert_eq!(id["distinct"], 238);
    assert_eq!(id["top"][0]["count"], 2);
    let power = columns
        .iter()
        .find(|c| c["name"] == "Power (kW)")
        .expect("power");
    // `207 kW` in Assets!D56 makes the column text.
    assert_eq!(power["type"], "text");
    let kinds = columns
        .iter()
        .find(|c| c["name"] == "Asset Type")
        .expect("type");
    assert_eq!(
        kinds["top"][0],
        serde_json::json!({"value": "VLV", "count": 77})
    );

    let text = ws.run(&["profile", "water"]).expect(0);
    assert!(
        text.stdout
            .starts_with("source water: examples/water/asset-register.xlsx, 240 rows, 9 columns")
    );
    assert!(text.stdout.contains("Assets!A5"), "{}", text.stdout);
}

#[test]
fn per_source_nulls_whitespace_and_an_explicit_format() {
    // A CSV file with a name no reader claims, read because the source says `format: csv`.
    let ws = TestWorkspace::new(
        "nulls: [\"\"]\nsources:\n  src: { path: data/export.dat, format: csv, nulls: [\"#NULL#\"], whitespace_is_null: false }\n",
    )
    .with_file("slices/all.yaml", "source: src\n")
    .with_file("data/export.dat", "Asset ID,Note\nP-1,#NULL#\nP-2,   \nP-3,\n");
    ws.run(&["slice"]).expect(0);
    let rows = ws.parquet("out/slices/all.parquet");
    // The source's own sentinels replace the workspace's: an empty cell is text here, and so
    // is a blank one, since whitespace is kept.
    assert_eq!(
        strings(&rows, "Note"),
        [None, Some("   ".to_string()), Some(String::new())]
    );
    assert_eq!(
        strings(&rows, "_origin"),
        some(&[
            "data/export.dat:2",
            "data/export.dat:3",
            "data/export.dat:4"
        ])
    );
}
