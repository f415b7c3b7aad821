//! Slices: conditions run by polars' SQL engine, column subsets and renames, row accounts.

use crate::support::{TestWorkspace, some, strings};

#[test]
fn a_condition_selects_rows_and_the_rest_are_counted_outside() {
    let ws = TestWorkspace::new("nulls: [\"\", N/A]\nsources:\n  src: { path: csv/bom-crlf.csv }\n")
        .with_fixture("csv/bom-crlf.csv")
        .with_file(
            "slices/big.yaml",
            "source: src\nwhere: '\"Rated kW\" > 1'\ncolumns:\n  - Asset ID\n  - Rated kW: rated_kw\nkey: Asset ID\n",
        );
    let run = ws.run(&["slice", "--format", "json"]).expect(0);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    // P-2's rating is empty: a null is not > 1, so it is outside the condition, and counted.
    assert_eq!(
        report["slices"][0],
        serde_json::json!({
            "slice": "big", "source": "src", "rows_read": 4, "rows_in_slice": 2,
            "rows_outside": 2, "output": "out/slices/big.parquet"
        })
    );
    let rows = ws.parquet("out/slices/big.parquet");
    let names: Vec<String> = rows
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    assert_eq!(names, ["_origin", "Asset ID", "rated_kw"]);
    assert_eq!(strings(&rows, "Asset ID"), some(&["P-1", "P-3"]));
    assert_eq!(
        strings(&rows, "_origin"),
        some(&["csv/bom-crlf.csv:2", "csv/bom-crlf.csv:6"])
    );
}

#[test]
fn a_type_mismatch_in_a_condition_is_an_error_at_the_condition() {
    let ws = TestWorkspace::new("sources:\n  src: { path: csv/bom-crlf.csv }\n")
        .with_fixture("csv/bom-crlf.csv")
        .with_file("slices/odd.yaml", "source: src\nwhere: \"Name > 5\"\n");
    let run = ws.run(&["slice"]).expect(2);
    assert!(
        run.stderr.contains("slice `odd` could not be evaluated"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("slices/odd.yaml:2:"), "{}", run.stderr);
}

#[test]
fn slices_of_one_source_read_only_their_columns_yet_filter_on_any() {
    // The source is read once, keeping the columns either slice needs; a condition may use
    // a column the slice does not keep.
    let ws = TestWorkspace::new(
        "nulls: [\"\", N/A, \"#NULL#\"]\nsources:\n  src: { path: csv/bom-crlf.csv }\n",
    )
    .with_fixture("csv/bom-crlf.csv")
    .with_file(
        "slices/noted.yaml",
        "source: src\nwhere: \"Note IS NOT NULL\"\ncolumns: [Asset ID]\n",
    )
    .with_file(
        "slices/rated.yaml",
        "source: src\nwhere: '\"Rated kW\" < 10'\ncolumns: [Name]\n",
    );
    let run = ws.run(&["slice", "--format", "json"]).expect(0);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(report["slices"][0]["rows_in_slice"], 2, "{report}");
    assert_eq!(report["slices"][1]["rows_in_slice"], 2, "{report}");
    let noted = ws.parquet("out/slices/noted.parquet");
    assert_eq!(noted.get_column_names(), ["_origin", "Asset ID"]);
    assert_eq!(strings(&noted, "Asset ID"), some(&["P-1", "P-4"]));
    let rated = ws.parquet("out/slices/rated.parquet");
    assert_eq!(rated.get_column_names(), ["_origin", "Name"]);
    assert_eq!(strings(&rated, "Name"), some(&["Pump, north", "Pump west"]));
}
