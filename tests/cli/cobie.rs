//! COBie handover workbooks (issue 13): one workspace (`tests/fixtures/cobie`) converts two
//! handovers whose type names and category schemes differ. Every component takes its class
//! from its type's category (patterns, no list longer than three), its sizes from the
//! attribute sheet (each with its own unit), and a failure points at the attribute's cell.

use crate::support::{TestWorkspace, copy_tree, fixture, strings};

/// A cell as the test writes it.
enum Cell<'a> {
    Text(&'a str),
    Number(f64),
    /// An Excel date serial, date-styled.
    Date(f64),
}

use Cell::{Date, Number, Text};

type Sheet<'a> = (&'a str, &'a [&'a str], Vec<Vec<Cell<'a>>>);

/// Writes a workbook of `sheets` (name, header, rows) to `path`.
fn workbook(path: &std::path::Path, sheets: Vec<Sheet>) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    for (name, header, rows) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(name).expect("sheet name");
        for (column, title) in header.iter().enumerate() {
            sheet.write_string(0, column as u16, *title).expect("cell");
        }
        for (row, cells) in rows.iter().enumerate() {
            let row = row as u32 + 1;
            for (column, cell) in cells.iter().enumerate() {
                let column = column as u16;
                match cell {
                    Text("") => continue,
                    Text(text) => sheet.write_string(row, column, *text).map(|_| ()),
                    Number(n) => sheet.write_number(row, column, *n).map(|_| ()),
                    Date(serial) => sheet
                        .write_number_with_format(row, column, *serial, &date)
                        .map(|_| ()),
                }
                .expect("cell");
            }
        }
    }
    book.save(path).expect("save");
}

const TYPE: &[&str] = &[
    "Name",
    "Category",
    "Description",
    "Manufacturer",
    "NominalWidth",
];
const COMPONENT: &[&str] = &["Name", "TypeName", "Space", "InstallationDate"];
const ATTRIBUTE: &[&str] = &[
    "Name",
    "CreatedBy",
    "Category",
    "SheetName",
    "RowName",
    "Value",
    "Unit",
];

/// The sheets every handover has the same.
fn site<'a>(linear_units: &'a str) -> Vec<Sheet<'a>> {
    vec![
        (
            "Facility",
            &["Name", "Category", "LinearUnits"],
            vec![vec![
                Text("Riverside Depot"),
                Text("Depot"),
                Text(linear_units),
            ]],
        ),
        (
            "Floor",
            &["Name", "Category", "Elevation"],
            vec![
                vec![Text("Ground"), Text("Floor"), Number(0.0)],
                vec![Text("Level 1"), Text("Floor"), Number(3500.0)],
            ],
        ),
        (
            "Space",
            &["Name", "Category", "FloorName", "RoomTag"],
            vec![
                vec![
                    Text("G01"),
                    Text("Plant"),
                    Text("Ground"),
                    Text("Pump room"),
                ],
                vec![Text("101"), Text("Office"), Text("Level 1"), Text("Office")],
            ],
        ),
    ]
}

fn attribute<'a>(
    name: &'a str,
    sheet: &'a str,
    row: &'a str,
    value: Cell<'a>,
    unit: &'a str,
) -> Vec<Cell<'a>> {
    vec![
        Text(name),
        Text("handover@contractor.example"),
        Text("Dimensions"),
        Text(sheet),
        Text(row),
        value,
        Text(unit),
    ]
}

/// The first handover: OmniClass categories, type names by size, sizes in millimetres and
/// inches.
fn first_handover(path: &std::path::Path) {
    let mut sheets = site("millimeters");
    sheets.push((
        "Type",
        TYPE,
        vec![
            vec![
                Text("Door-Single-900"),
                Text("23-30 10 00: Doors"),
                Text("Single door"),
                Text("Acme Doors"),
                Number(900.0),
            ],
            vec![
                Text("Window-W1"),
                Text("23-30 20 00: Windows"),
                Text("Casement"),
                Text("Clearview"),
                Number(1200.0),
            ],
            vec![
                Text("Pump-P1"),
                Text("23-27 15 00: Pumps"),
                Text("Booster"),
                Text("Flowco"),
            ],
            vec![
                Text("Misc"),
                Text(""),
                Text("Uncategorised"),
                Text("Various"),
            ],
        ],
    ));
    sheets.push((
        "Component",
        COMPONENT,
        vec![
            vec![
                Text("D-001"),
                Text("Door-Single-900"),
                Text("G01"),
                Date(45352.0),
            ],
            vec![
                Text("D-002"),
                Text("Door-Single-900"),
                Text("101"),
                Date(45353.0),
            ],
            vec![Text("W-001"), Text("Window-W1"), Text("101"), Date(45354.0)],
            vec![
                Text("P-001"),
                Text("Pump-P1"),
                Text("Ground"),
                Date(45355.0),
            ],
            vec![Text("M-001"), Text("Misc"), Text("G01"), Date(45356.0)],
        ],
    ));
    sheets.push((
        "Attribute",
        ATTRIBUTE,
        vec![
            attribute(
                "NominalWidth",
                "Component",
                "D-001",
                Number(900.0),
                "millimeters",
            ),
            attribute(
                "NominalHeight",
                "Component",
                "D-001",
                Number(2100.0),
                "millimeters",
            ),
            attribute(
                "NominalWidth",
                "Type",
                "Door-Single-900",
                Number(1.0),
                "feet",
            ),
            attribute("NominalWidth", "Component", "W-001", Number(36.0), "inches"),
            attribute("NominalWidth", "Component", "P-001", Text("wide"), "mm"),
            attribute(
                "NominalHeight",
                "Component",
                "P-001",
                Number(1.2),
                "parsecs",
            ),
        ],
    ));
    workbook(path, sheets);
}

/// The next handover: Uniclass categories, other type names, units written short.
fn second_handover(path: &std::path::Path) {
    let mut sheets = site("inches");
    sheets.push((
        "Type",
        TYPE,
        vec![
            vec![
                Text("DR_SGL_1000"),
                Text("Pr_30_59_24_28: Doors"),
                Text("Door"),
                Text("Portal Ltd"),
                Number(36.0),
            ],
            vec![
                Text("WIN-A"),
                Text("Pr_30_59_98_95: Windows"),
                Text("Window"),
                Text("Lumen"),
                Text("wide"),
            ],
            vec![
                Text("PMP-X"),
                Text("Pr_65_53_77: Pump"),
                Text("Pump"),
                Text("Hydra"),
            ],
        ],
    ));
    sheets.push((
        "Component",
        COMPONENT,
        vec![
            vec![
                Text("DR-1"),
                Text("DR_SGL_1000"),
                Text("G01"),
                Date(45400.0),
            ],
            vec![Text("WN-1"), Text("WIN-A"), Text("101"), Date(45401.0)],
            vec![Text("PM-1"), Text("PMP-X"), Text("Roof"), Date(45402.0)],
        ],
    ));
    sheets.push((
        "Attribute",
        ATTRIBUTE,
        vec![
            attribute("NominalWidth", "Component", "DR-1", Number(1000.0), "mm"),
            attribute("NominalWidth", "Component", "WN-1", Number(36.0), "\""),
            attribute("NominalHeight", "Component", "WN-1", Number(4.0), "ft"),
        ],
    ));
    workbook(path, sheets);
}

/// The components' part of `run --format json`'s report.
fn components_report(stdout: &str) -> serde_json::Value {
    let report: serde_json::Value = serde_json::from_str(stdout).expect("JSON");
    report["report"]["slices"]
        .as_array()
        .expect("slices")
        .iter()
        .find(|s| s["slice"] == "components")
        .cloned()
        .expect("components")
}

/// The COBie workspace with a handover written by `write` as its workbook.
fn workspace(write: fn(&std::path::Path)) -> TestWorkspace {
    let ws = TestWorkspace::new("");
    copy_tree(&fixture("cobie"), ws.path());
    write(&ws.path().join("handover.xlsx"));
    ws
}

#[test]
fn every_component_takes_its_class_through_its_type_in_both_handovers() {
    let first = workspace(first_handover);
    first.run(&["run"]).expect(0);
    let things = first.parquet("out/entities/components.parquet");
    assert_eq!(
        strings(&things, "class"),
        crate::support::some(&["Door", "Door", "Window", "Pump", "Asset"]),
        "the type without a category takes the fallback class"
    );
    assert_eq!(
        strings(&things, "label"),
        crate::support::some(&[
            "D-001 (Door-Single-900)",
            "D-002 (Door-Single-900)",
            "W-001 (Window-W1)",
            "P-001 (Pump-P1)",
            "M-001 (Misc)"
        ])
    );
    assert_eq!(
        strings(&things, "manufacturer"),
        crate::support::some(&["Acme Doors", "Acme Doors", "Clearview", "Flowco", "Various"])
    );
    // 900 millimeters, 36 inches; the type's own width is not a component's.
    assert_eq!(
        strings(&things, "width"),
        [Some("0.9".into()), None, Some("0.9144".into()), None, None]
    );
    assert_eq!(
        strings(&things, "installed"),
        crate::support::some(&[
            "2024-03-01",
            "2024-03-02",
            "2024-03-03",
            "2024-03-04",
            "2024-03-05"
        ])
    );

    let second = workspace(second_handover);
    second.run(&["run"]).expect(0);
    let things = second.parquet("out/entities/components.parquet");
    assert_eq!(
        strings(&things, "class"),
        crate::support::some(&["Door", "Window", "Pump"])
    );
    assert_eq!(
        strings(&things, "width"),
        [Some("1.0".into()), Some("0.9144".into()), None]
    );
    assert_eq!(
        strings(&things, "height"),
        [None, Some("1.2192".into()), None]
    );
    // PM-1 sits in neither a space nor a floor.
    let failures = std::fs::read_to_string(second.path().join("out/failures/components.csv"))
        .expect("failures");
    assert!(
        failures.contains("integrity,https://handover.example/component/PM-1,inSpace,https://handover.example/location/Roof,\"no thing with this id in slices `spaces`, `floors`\",handover.xlsx:Component!C4"),
        "{failures}"
    );
}

#[test]
fn a_component_sits_in_a_space_or_on_a_floor() {
    let ws = workspace(first_handover);
    let run = ws.run(&["run", "--format", "json"]).expect(0);
    let components = components_report(&run.stdout);
    // Four in a space, P-001 on the ground floor: every link finds its thing.
    assert_eq!(
        components["properties"]["inSpace"]["integrity"]["checked"],
        5
    );
    assert_eq!(
        components["properties"]["inSpace"]["integrity"]["passed"],
        5
    );
}

#[test]
fn type_widths_are_in_the_units_the_facility_sheet_declares() {
    let first = workspace(first_handover);
    first.run(&["run"]).expect(0);
    let types = first.parquet("out/entities/types.parquet");
    assert_eq!(
        strings(&types, "width"),
        [Some("0.9".into()), Some("1.2".into()), None, None]
    );
    let second = workspace(second_handover);
    second.run(&["run"]).expect(0);
    let types = second.parquet("out/entities/types.parquet");
    assert_eq!(
        strings(&types, "width"),
        [Some("0.9144".into()), None, None]
    );
    let failures =
        std::fs::read_to_string(second.path().join("out/failures/types.csv")).expect("failures");
    assert!(
        failures.contains(",width,wide,not a number,handover.xlsx:Type!E3"),
        "{failures}"
    );
    // A blank cell, or one that is no cell, is told at the mapping.
    let ws = workspace(first_handover).with_file(
        "mappings/types.yaml",
        &std::fs::read_to_string(fixture("cobie/mappings/types.yaml"))
            .expect("mapping")
            .replace("Facility!C2", "Facility!F9"),
    );
    let lint = ws.run(&["lint"]).expect(2);
    assert!(
        lint.stderr
            .contains("the cell `Facility!F9` that names the unit is blank"),
        "{}",
        lint.stderr
    );
    assert!(
        lint.stderr.contains("mappings/types.yaml:8:"),
        "{}",
        lint.stderr
    );
    assert!(!lint.stderr.contains("has no mapping"), "{}", lint.stderr);
}

#[test]
fn an_attribute_that_fails_is_located_at_its_own_cell() {
    let ws = workspace(first_handover);
    ws.run(&["run"]).expect(0);
    let failures =
        std::fs::read_to_string(ws.path().join("out/failures/components.csv")).expect("failures");
    // P-001's width is no number (row 6 of the attribute sheet), its height in no known unit
    // (row 7); the value sits in column F.
    for line in [
        "validity,https://handover.example/component/P-001,height,1.2,\"unknown unit `parsecs`: not one of",
        "handover.xlsx:Attribute!F7",
        "validity,https://handover.example/component/P-001,width,wide,",
        "handover.xlsx:Attribute!F6",
    ] {
        assert!(failures.contains(line), "no {line} in\n{failures}");
    }
}

#[test]
fn the_report_says_which_codes_each_pattern_took_in() {
    let ws = workspace(first_handover);
    let run = ws.run(&["run", "--format", "json"]).expect(0);
    let components = components_report(&run.stdout);
    assert_eq!(
        components["matched_codes"],
        serde_json::json!([
            { "property": "class", "column": "hasType.Category", "pattern": "*Doors*", "code": "23-30 10 00: Doors", "count": 2 },
            { "property": "class", "column": "hasType.Category", "pattern": "*Windows*", "code": "23-30 20 00: Windows", "count": 1 },
            { "property": "class", "column": "hasType.Category", "pattern": "/Pumps?$/", "code": "23-27 15 00: Pumps", "count": 1 },
        ])
    );
    assert_eq!(components["quarantined"], 0);
    let html = std::fs::read_to_string(ws.path().join("out/report.html")).expect("HTML");
    assert!(
        html.contains("<td>class</td><td><code>*Doors*</code></td><td>23-30 10 00: Doors</td><td class=\"num\">2</td>"),
        "the HTML report lists the codes each pattern took in"
    );
}

#[test]
fn the_readme_shows_the_mapping_the_tests_run() {
    let readme = std::fs::read_to_string(crate::support::repo().join("README.md")).expect("README");
    let mapping =
        std::fs::read_to_string(fixture("cobie/mappings/components.yaml")).expect("mapping");
    assert!(
        readme.contains(&mapping),
        "README.md quotes tests/fixtures/cobie/mappings/components.yaml whole"
    );
}

#[test]
fn an_attribute_no_row_names_is_said_with_the_closest_name() {
    let ws = workspace(first_handover).with_file(
        "mappings/components.yaml",
        &std::fs::read_to_string(fixture("cobie/mappings/components.yaml"))
            .expect("mapping")
            .replace("attribute: NominalWidth", "attribute: NominalWidht"),
    );
    let run = ws.run(&["run"]).expect(0);
    assert!(
        run.stdout.contains("warning: components reads attribute `NominalWidht`, which no row of slice `attributes` names (did you mean `NominalWidth`?)"),
        "{}",
        run.stdout
    );
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(ws.path().join("out/report.json")).expect("report"),
    )
    .expect("JSON");
    let components = report["slices"]
        .as_array()
        .expect("slices")
        .iter()
        .find(|s| s["slice"] == "components")
        .expect("components");
    assert_eq!(
        components["absent_attributes"],
        serde_json::json!([{ "attribute": "NominalWidht", "slice": "attributes", "closest": "NominalWidth" }])
    );
}

#[test]
fn columns_read_through_a_link_or_as_attributes_reach_the_level_the_reader_raised_them_to() {
    let ws = workspace(second_handover);
    let run = ws.run(&["run", "--format", "json"]).expect(0);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let level = |table: &serde_json::Value, column: &str| {
        table
            .as_array()
            .expect("levels")
            .iter()
            .find(|l| l["column"] == column)
            .map(|l| (l["level"].clone(), l["mapped_to"].clone()))
    };
    let types = report["report"]["slices"]
        .as_array()
        .expect("slices")
        .iter()
        .find(|s| s["slice"] == "types")
        .expect("types");
    // The components' class comes from the types' Category: every code matched.
    assert_eq!(
        level(&types["digitalisation"], "Category"),
        Some((serde_json::json!("explicit"), serde_json::json!("class")))
    );
    // The attribute sheet's values became widths and heights.
    let attributes = &report["report"]["sources"]["attributes"];
    let (value, _) = level(attributes, "Value").expect("Value");
    assert_ne!(value, serde_json::json!("syntactic"), "{attributes}");
}

#[test]
fn an_attribute_slice_is_not_called_a_slice_without_a_mapping() {
    let ws = workspace(first_handover);
    let lint = ws.run(&["lint"]).expect(0);
    assert!(
        lint.stdout.starts_with("ok: 6 slices, 5 mappings"),
        "{}",
        lint.stdout
    );
    assert!(
        !lint.stdout.contains("without a mapping"),
        "{}",
        lint.stdout
    );
}
