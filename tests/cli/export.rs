//! `thinslice export`: things back into an organisation's own table. The round trip of the
//! example's water register (register → run → export → the register's columns), RDF from
//! outside (flat and IES4) giving the same table, located failures with empty cells, and the
//! static checks of export mappings.

use std::collections::BTreeMap;

use crate::support::{TestWorkspace, strings};

/// A CSV file's rows as maps of column → cell.
fn csv_rows(ws: &TestWorkspace, name: &str, delimiter: u8) -> Vec<BTreeMap<String, String>> {
    let bytes = std::fs::read(ws.path().join(name)).expect("read CSV");
    let (text, _, _) = encoding_rs::WINDOWS_1252.decode(&bytes);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let headers = reader.headers().expect("headers").clone();
    (reader.records())
        .map(|r| {
            let record = r.expect("record");
            (headers.iter().map(str::to_string))
                .zip(record.iter().map(str::to_string))
                .collect()
        })
        .collect()
}

/// A number written with its unit (`207 kW`, `0.2 MW`) in watts; a plain number in kW.
fn watts(text: &str) -> f64 {
    let text = text.trim();
    for (unit, factor) in [("MW", 1e6), ("kW", 1e3), ("W", 1.0)] {
        if let Some(number) = text.strip_suffix(unit) {
            return number.trim().parse::<f64>().expect("number") * factor;
        }
    }
    text.parse::<f64>().expect("number") * 1e3
}

fn date(text: &str) -> chrono::NaiveDate {
    ["%d/%m/%Y", "%Y-%m-%d"]
        .iter()
        .find_map(|f| chrono::NaiveDate::parse_from_str(text.trim(), f).ok())
        .unwrap_or_else(|| panic!("`{text}` is no date"))
}

/// The register's own rows of the pumps (as the slice reads them), by Asset ID.
/// `ws` must write its rows as read (`TestWorkspace::example_with_internal_rows`).
fn register(ws: &TestWorkspace) -> BTreeMap<String, BTreeMap<String, Option<String>>> {
    ws.run(&["slice", "--slice", "water-pumps"]).expect(0);
    let slice = ws.parquet("out/slices/water-pumps.parquet");
    let columns = [
        "Asset Type",
        "Power (kW)",
        "Installed",
        "Status",
        "Site",
        "Feeder",
    ];
    let ids = strings(&slice, "Asset ID");
    let values: Vec<Vec<Option<String>>> = columns.iter().map(|c| strings(&slice, c)).collect();
    let mut out = BTreeMap::new();
    for (row, id) in ids.iter().enumerate() {
        let Some(id) = id else { continue };
        let cells = (columns.iter().zip(&values))
            .map(|(c, v)| (c.to_string(), v[row].clone()))
            .collect();
        out.insert(id.clone(), cells);
    }
    out
}

#[test]
fn the_water_register_round_trips_through_the_common_language() {
    let ws = TestWorkspace::example_with_internal_rows();
    ws.run(&["run"]).expect(0);
    let run = ws.run(&["export", "water-pumps-register"]).expect(0);
    assert!(
        run.stdout.contains(
            "water-pumps-register → out/exports/water-pumps-register.csv: 71 rows × 8 columns"
        ),
        "{}",
        run.stdout
    );
    let exported = csv_rows(&ws, "out/exports/water-pumps-register.csv", b',');
    let things = ws.parquet("out/entities/water-pumps.parquet");
    assert_eq!(exported.len(), things.height());
    let register = register(&ws);
    let mut compared = 0;
    let mut lost = std::collections::BTreeSet::new();
    for row in &exported {
        let original = &register[&row["Asset ID"]];
        let cell = |column: &str| {
            original[column]
                .clone()
                .unwrap_or_default()
                .trim()
                .to_string()
        };
        // Codes: the register's PMP and older PUMP both mean a pump; PMP is written back.
        assert!(["PMP", "PUMP"].contains(&cell("Asset Type").as_str()));
        assert_eq!(row["Asset Type"], "PMP");
        // Units: kW back from the RDL's W, whatever unit the register wrote in the cell.
        let mut same = |column: &str, property: &str, equal: &dyn Fn(&str, &str) -> bool| {
            let (back, original) = (row[column].as_str(), cell(column));
            if back.is_empty() && !original.is_empty() {
                lost.insert((row["_thing"].clone(), property.to_string()));
            } else if !original.is_empty() {
                assert!(
                    equal(back, &original),
                    "{} {column}: {back} ≠ {original}",
                    row["Asset ID"]
                );
            }
        };
        same("Power (kW)", "ratedPower", &|back, original| {
            back.parse::<f64>().expect("a number") * 1e3 == watts(original)
        });
        // Dates: the same day, in either of the register's formats.
        same("Installed", "installationDate", &|back, original| {
            date(back) == date(original)
        });
        // Codes mapped back; links written as the target's key.
        same("Status", "operationalState", &|back, original| {
            back == original.to_lowercase()
        });
        same("Site", "locatedAt", &|back, original| back == original);
        same("Feeder", "fedBy", &|back, original| back == original);
        // Where each row came from.
        assert_eq!(
            row["_thing"],
            format!("https://data.example.org/water/asset/{}", row["Asset ID"])
        );
        assert!(row["_origin"].starts_with("examples/water/asset-register.xlsx:Assets!A"));
        compared += 1;
    }
    assert_eq!(compared, 71);
    // A cell that did not come back is one the run could not take in: its failure list
    // names exactly those (a value out of range, a unit it could not read).
    let named: std::collections::BTreeSet<(String, String)> =
        csv_rows(&ws, "out/failures/water-pumps.csv", b',')
            .into_iter()
            .filter(|f| f["dimension"] == "validity")
            .map(|f| (f["id"].clone(), f["property"].clone()))
            .collect();
    assert!(!lost.is_empty());
    assert_eq!(lost, named);
    assert!(
        !ws.path()
            .join("out/exports/water-pumps-register.failures.csv")
            .exists()
    );
}

#[test]
fn a_value_the_table_cannot_express_is_named_and_its_cell_left_empty() {
    let ws = TestWorkspace::example_with_internal_rows();
    let mapping = ws.text("exports/water-pumps-register.yaml").replace(
        "values: { InService: in service, OutOfService: oos, Decommissioned: decommissioned }",
        "values: { InService: in service, OutOfService: oos }",
    );
    let ws = ws.with_file("exports/water-pumps-register.yaml", &mapping);
    ws.run(&["run"]).expect(0);
    let run = ws.run(&["export", "water-pumps-register"]).expect(1);
    let exported = csv_rows(&ws, "out/exports/water-pumps-register.csv", b',');
    let register = register(&ws);
    // Exactly the decommissioned pumps, each at its line of the file.
    let expected: Vec<String> = (exported.iter().enumerate())
        .filter(|(_, row)| {
            register[&row["Asset ID"]]["Status"]
                .as_deref()
                .map(str::to_lowercase)
                == Some("decommissioned".into())
        })
        .map(|(index, row)| format!("water-pumps-register.csv:{}|{}", index + 2, row["_thing"]))
        .collect();
    assert!(expected.len() > 5, "{expected:?}");
    let failures = csv_rows(&ws, "out/exports/water-pumps-register.failures.csv", b',');
    let named: Vec<String> = failures
        .iter()
        .map(|f| format!("{}|{}", f["place"], f["thing"]))
        .collect();
    assert_eq!(named, expected);
    for failure in &failures {
        assert_eq!(failure["column"], "Status");
        assert_eq!(failure["value"], "Decommissioned");
        assert_eq!(
            failure["reason"],
            "the code `Decommissioned` has no reverse map in `values`"
        );
        assert!(failure["origin"].starts_with("examples/water/asset-register.xlsx:Assets!A"));
    }
    for row in exported
        .iter()
        .filter(|r| named.iter().any(|n| n.ends_with(&r["_thing"])))
    {
        assert_eq!(row["Status"], "", "the cell is empty, never a wrong value");
        assert!(!row["Power (kW)"].is_empty() || row["Asset ID"].is_empty());
    }
    assert!(
        run.stdout.contains(&format!(
            "{} cells could not be written and were left empty",
            expected.len()
        )),
        "{}",
        run.stdout
    );

    // Read, converted and written in batches of 7 things: the same bytes, the same places.
    let table =
        std::fs::read(ws.path().join("out/exports/water-pumps-register.csv")).expect("table");
    let listed = ws.text("out/exports/water-pumps-register.failures.csv");
    ws.run(&["--batch-rows", "7", "export", "water-pumps-register"])
        .expect(1);
    let again =
        std::fs::read(ws.path().join("out/exports/water-pumps-register.csv")).expect("table");
    assert!(again == table, "batches changed the table");
    assert_eq!(
        ws.text("out/exports/water-pumps-register.failures.csv"),
        listed
    );
}

/// An export of the substations into a `;`-separated Windows-1252 table, to compare inputs.
const FEEDERS_CSV: &str = r#"from: power-substations
class: Substation
file: { path: feeders.csv, delimiter: ";", encoding: windows-1252 }
columns:
  Feeder: { from: assetIdentifier }
  Feeder name: { from: label }
  Kind: { from: class, values: { GridSupplyPoint: GSP, PrimarySubstation: PRIMARY, SecondarySubstation: SECONDARY } }
  Voltage (kV): { from: nominalVoltage, unit: kV, decimal: "," }
  Capacity (MVA): { from: ratedApparentPower, unit: MVA }
  In service since: { from: commissioningDate, format: "%d/%m/%Y" }
  Live: { from: operationalState, values: { InService: "yes", OutOfService: "no" } }
  Site: { from: id }
"#;

/// The workspace run with `rdf: { pattern: ies4 }`, and the substations' N-Triples it wrote.
fn run_in_ies4(ws: TestWorkspace) -> (TestWorkspace, String) {
    let config = ws
        .text("thinslice.yaml")
        .replace("rdf: { pattern: flat }", "rdf: { pattern: ies4 }");
    let ws = ws.with_file("thinslice.yaml", &config);
    ws.run(&["run"]).expect(0);
    let ies4 = ws.text("out/rdf/power-substations.nt");
    (ws, ies4)
}

#[test]
fn rdf_from_anyone_flat_or_ies4_gives_the_same_table_as_the_things() {
    let ws = TestWorkspace::example().with_file("exports/feeders.yaml", FEEDERS_CSV);
    ws.run(&["run"]).expect(0);
    ws.run(&["export", "feeders"]).expect(0);
    let from_things = csv_rows(&ws, "out/exports/feeders.csv", b';');
    assert!(from_things.len() > 40);
    let first = &from_things[0];
    assert_eq!(first["Feeder"], "SS-0001");
    assert!(first["Voltage (kV)"].contains(',') || !first["Voltage (kV)"].contains('.'));

    let without_origin = |rows: Vec<BTreeMap<String, String>>| -> Vec<BTreeMap<String, String>> {
        (rows.into_iter())
            .map(|mut r| {
                r.remove("_origin");
                r
            })
            .collect()
    };
    let expected = without_origin(from_things);
    // Flat RDF, as this workspace wrote it: N-Triples and Turtle.
    std::fs::create_dir_all(ws.path().join("received")).expect("folder");
    for file in ["power-substations.nt", "power-substations.ttl"] {
        std::fs::copy(
            ws.path().join("out/rdf").join(file),
            ws.path().join("received").join(file),
        )
        .expect("copy");
        ws.run(&["export", "feeders", "--rdf", &format!("received/{file}")])
            .expect(0);
        let from_rdf = without_origin(csv_rows(&ws, "out/exports/feeders.csv", b';'));
        assert_eq!(from_rdf, expected, "{file}");
    }
    // Typed with their ancestors too, as others' RDF often is: the most specific class counts.
    let flat = ws.text("out/rdf/power-substations.nt");
    let mut typed = String::new();
    for line in flat.lines() {
        typed.push_str(line);
        typed.push('\n');
        if line.contains("22-rdf-syntax-ns#type>") {
            let subject = line.split(' ').next().unwrap_or_default();
            for ancestor in ["Asset", "PowerAsset", "Substation"] {
                typed.push_str(&format!(
                    "{subject} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://rdl.example.org/region#{ancestor}> .\n"
                ));
            }
        }
    }
    let ws = ws.with_file("received/typed.nt", &typed);
    ws.run(&["export", "feeders", "--rdf", "received/typed.nt"])
        .expect(0);
    let from_typed = without_origin(csv_rows(&ws, "out/exports/feeders.csv", b';'));
    assert_eq!(from_typed, expected);

    // The same things in the IES4 pattern.
    let (ws, ies4) = run_in_ies4(ws);
    assert!(ies4.contains("ies4#MeasureValue"));
    let ws = ws.with_file("received/ies4.nt", &ies4);
    ws.run(&["export", "feeders", "--rdf", "received/ies4.nt"])
        .expect(0);
    let from_ies4 = without_origin(csv_rows(&ws, "out/exports/feeders.csv", b';'));
    assert_eq!(from_ies4, expected);

    // A measure in a unit the RDL does not have cannot be converted: a failure, not a guess.
    let one = "<https://data.example.org/power/substation/SS-0001#nominalVoltage-value> <http://ies.data.gov.uk/ontology/ies4#measureUnit> <https://rdl.example.org/region#V>";
    assert!(ies4.contains(one));
    let odd = ies4.replace(one, &one.replace("region#V>", "elsewhere#statvolt>"));
    let ws = ws.with_file("received/odd.nt", &odd);
    let run = ws
        .run(&["export", "feeders", "--rdf", "received/odd.nt"])
        .expect(1);
    let failures = csv_rows(&ws, "out/exports/feeders.failures.csv", b',');
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0]["place"], "feeders.csv:2");
    assert_eq!(failures[0]["column"], "Voltage (kV)");
    assert!(
        failures[0]["reason"].contains("has no conversion"),
        "{}",
        run.stdout
    );
    let rows = csv_rows(&ws, "out/exports/feeders.csv", b';');
    assert_eq!(rows[0]["Voltage (kV)"], "");
    assert_eq!(rows[0]["Feeder"], "SS-0001");
}

#[test]
fn the_feeder_workbook_holds_numbers_in_the_water_companys_units() {
    use calamine::{Data, Reader, open_workbook_auto};
    let ws = TestWorkspace::example();
    ws.run(&["run"]).expect(0);
    ws.run(&["export", "water-feeders"]).expect(0);
    let mut book =
        open_workbook_auto(ws.path().join("out/exports/water-feeders.xlsx")).expect("workbook");
    let sheet = book.worksheet_range("Feeders").expect("sheet Feeders");
    let header: Vec<String> = sheet
        .rows()
        .next()
        .expect("header")
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(
        header,
        [
            "Feeder",
            "Feeder name",
            "Kind",
            "Voltage (kV)",
            "Capacity (MVA)",
            "In service since",
            "Live",
            "_thing",
            "_origin"
        ]
    );
    let things = ws.parquet("out/entities/power-substations.parquet");
    let volts = things
        .column("nominalVoltage")
        .expect("column")
        .f64()
        .expect("f64")
        .get(0);
    match sheet.get((1, 3)) {
        Some(Data::Float(kv)) => assert_eq!(Some(kv * 1000.0), volts),
        other => panic!("Voltage (kV) is {other:?}"),
    }
}

#[test]
fn export_mappings_are_checked_at_their_place_before_any_data_is_read() {
    let bad = r#"from: power-substations
file: { path: ../outside.csv }
columns:
  Feeder: { from: assetIdentifer }
  Voltage: { from: nominalVoltage, unit: kW }
  Live: { from: operationalState, values: { InService: "yes", OutOfService: "yes", Broken: "no" } }
  Kind: { from: class, values: { GridSupplyPoint: GSP, PrimarySubstation: GSP } }
"#;
    let ws = TestWorkspace::example().with_file("exports/bad.yaml", bad);
    let run = ws.run(&["export", "bad"]).expect(2);
    for expected in [
        "`../outside.csv` is not a path inside the exports folder",
        "unknown property `assetIdentifer`",
        "did you mean `assetIdentifier`?",
        "`kW` measures power, and `nominalVoltage` is in volt (voltage)",
        "the reverse map is not one-to-one: `InService`, `OutOfService` are all written `yes`",
        "`Broken` is not a value of `operationalState`",
        "`GridSupplyPoint`, `PrimarySubstation` are all written",
        "exports/bad.yaml:4:",
        "exports/bad.yaml:5:",
    ] {
        assert!(run.stderr.contains(expected), "{expected}\n{}", run.stderr);
    }
    // Nothing was read: no run happened, and no "run first" is said.
    assert!(!run.stderr.contains("run `thinslice run` first"));
    assert!(!ws.path().join("out").exists());

    let run = ws.run(&["export", "feeder"]).expect(2);
    assert!(
        run.stderr.contains("no export mapping `feeder`"),
        "{}",
        run.stderr
    );
    let run = ws.run(&["export", "water-feeders"]).expect(2);
    assert!(
        run.stderr.contains("run `thinslice run` first"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_class_takes_its_things_and_its_subclasses_things_only_in_any_batch() {
    let mapping = FEEDERS_CSV.replace("class: Substation", "class: PrimarySubstation");
    let ws = TestWorkspace::example().with_file("exports/feeders.yaml", &mapping);
    ws.run(&["run"]).expect(0);
    let things = ws.parquet("out/entities/power-substations.parquet");
    let primaries = strings(&things, "class")
        .iter()
        .filter(|c| c.as_deref() == Some("PrimarySubstation"))
        .count();
    assert!(primaries > 5);
    for batch in ["262144", "4"] {
        ws.run(&["--batch-rows", batch, "export", "feeders"])
            .expect(0);
        let rows = csv_rows(&ws, "out/exports/feeders.csv", b';');
        assert_eq!(rows.len(), primaries, "batches of {batch}");
        assert!(rows.iter().all(|r| r["Kind"] == "PRIMARY"));
    }
    // Every class of the RDL under Substation, and no other.
    let all = FEEDERS_CSV.replace("class: Substation", "class: PowerAsset");
    let ws = ws.with_file("exports/feeders.yaml", &all);
    ws.run(&["export", "feeders"]).expect(0);
    assert_eq!(
        csv_rows(&ws, "out/exports/feeders.csv", b';').len(),
        things.height()
    );
}

#[test]
fn a_parquet_table_takes_a_key_out_of_the_identifier_and_says_so_in_json() {
    let mapping = r#"from: water-pumps
file: { path: pumps.parquet }
columns:
  Asset ID: { from: id, template: "https://data.example.org/water/asset/{Asset ID}" }
  Power (kW): { from: ratedPower, unit: kW }
  Site: { from: locatedAt, id: "https://data.example.org/water/site/{Site}" }
"#;
    let ws = TestWorkspace::example().with_file("exports/pumps.yaml", mapping);
    ws.run(&["run"]).expect(0);
    let run = ws.run(&["--format", "json", "export", "pumps"]).expect(0);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(json[0]["export"], "pumps");
    assert_eq!(json[0]["file"], "out/exports/pumps.parquet");
    assert_eq!(json[0]["rows"], 71);
    assert_eq!(json[0]["failures"].as_array().map(Vec::len), Some(0));
    let table = ws.parquet("out/exports/pumps.parquet");
    let things = ws.parquet("out/entities/water-pumps.parquet");
    assert_eq!(
        strings(&table, "Asset ID"),
        strings(&things, "assetIdentifier")
    );
    let kw: Vec<Option<f64>> = table
        .column("Power (kW)")
        .expect("column")
        .f64()
        .expect("numbers")
        .iter()
        .collect();
    let w: Vec<Option<f64>> = things
        .column("ratedPower")
        .expect("column")
        .f64()
        .expect("numbers")
        .iter()
        .collect();
    assert_eq!(
        kw,
        w.iter().map(|v| v.map(|w| w / 1000.0)).collect::<Vec<_>>()
    );
    assert_eq!(strings(&table, "_thing"), strings(&things, "id"));

    // A template that does not fit the identifier is a failure of that cell.
    let other = mapping.replace("water/asset/{Asset ID}", "water/pump/{Asset ID}");
    let ws = ws.with_file("exports/pumps.yaml", &other);
    let run = ws.run(&["--format", "json", "export", "pumps"]).expect(1);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let failures = json[0]["failures"].as_array().expect("failures");
    assert_eq!(failures.len(), 71);
    assert_eq!(failures[0]["place"], "pumps.parquet: row 1");
    assert_eq!(failures[0]["column"], "Asset ID");
    assert!(
        failures[0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("does not fit the template"))
    );
}

#[test]
fn a_date_format_that_would_lose_or_cannot_write_a_date_is_refused() {
    for (format, says) in [
        ("%H:%M", "asks for what a date has not"),
        ("%Y-%m-%dT%H:%M:%S%z", "asks for what a date has not"),
        ("", "does not write the day"),
        ("{}", "does not write the day"),
        ("%m/%Y", "does not write the day"),
        ("%d/%Y", "does not write the month"),
    ] {
        let mapping = format!(
            "from: power-substations\nfile: {{ path: f.csv }}\ncolumns:\n  Since: {{ from: commissioningDate, format: \"{format}\" }}\n"
        );
        let ws = TestWorkspace::example().with_file("exports/f.yaml", &mapping);
        let run = ws.run(&["export", "f"]).expect(2);
        assert!(run.stderr.contains(says), "{format}: {}", run.stderr);
        assert!(
            run.stderr.contains("exports/f.yaml:4:"),
            "{format}: {}",
            run.stderr
        );
        ws.run(&["lint"]).expect(2);
    }
}

#[test]
fn several_values_are_a_failure_unless_split_says_how_to_join_them() {
    let ws = TestWorkspace::example().with_file("exports/feeders.yaml", FEEDERS_CSV);
    ws.run(&["run"]).expect(0);
    let flat = ws.text("out/rdf/power-substations.nt");
    let subject = "<https://data.example.org/power/substation/SS-0001>";
    let volts = "<https://rdl.example.org/region#nominalVoltage>";
    let label = "<http://www.w3.org/2000/01/rdf-schema#label>";
    let more = format!(
        "{flat}{subject} {volts} \"11000.0\"^^<http://www.w3.org/2001/XMLSchema#decimal> .\n{subject} {label} \"Another name\" .\n"
    );
    let ws = ws.with_file("received/more.nt", &more);
    ws.run(&["export", "feeders", "--rdf", "received/more.nt"])
        .expect(1);
    let failures = csv_rows(&ws, "out/exports/feeders.failures.csv", b',');
    let named: Vec<(&str, &str)> = failures
        .iter()
        .map(|f| (f["column"].as_str(), f["place"].as_str()))
        .collect();
    assert_eq!(
        named,
        [
            ("Feeder name", "feeders.csv:2"),
            ("Voltage (kV)", "feeders.csv:2")
        ]
    );
    assert!(
        failures[1]["reason"].contains("say `split"),
        "{}",
        failures[1]["reason"]
    );
    let rows = csv_rows(&ws, "out/exports/feeders.csv", b';');
    assert_eq!(
        (
            rows[0]["Feeder name"].as_str(),
            rows[0]["Voltage (kV)"].as_str()
        ),
        ("", "")
    );

    let split = FEEDERS_CSV.replace(
        "unit: kV, decimal: \",\" }",
        "unit: kV, decimal: \",\", split: \" / \" }",
    );
    let ws = ws.with_file("exports/feeders.yaml", &split);
    ws.run(&["export", "feeders", "--rdf", "received/more.nt"])
        .expect(1);
    let rows = csv_rows(&ws, "out/exports/feeders.csv", b';');
    let voltage = &rows[0]["Voltage (kV)"];
    assert!(voltage.ends_with(" / 11"), "{voltage}");
}

#[test]
fn an_export_stays_in_its_folder_its_file_and_its_input() {
    let ws = TestWorkspace::example().with_file("exports/feeders.yaml", FEEDERS_CSV);
    ws.run(&["run"]).expect(0);
    // Two export mappings writing one file.
    let ws = ws.with_file("exports/again.yaml", FEEDERS_CSV);
    let run = ws.run(&["export"]).expect(2);
    assert!(
        run.stderr
            .contains("export mappings `again` and `feeders` both write exports/feeders.csv"),
        "{}",
        run.stderr
    );
    ws.run(&["lint"]).expect(2);
    std::fs::remove_file(ws.path().join("exports/again.yaml")).expect("remove");
    // --rdf is for one export mapping.
    let run = ws
        .run(&["export", "--rdf", "out/rdf/power-substations.nt"])
        .expect(2);
    assert!(
        run.stderr
            .contains("--rdf reads one file for one export mapping"),
        "{}",
        run.stderr
    );
    // An `rdf:` file that is not there is said at its place, before anything is read.
    let missing = FEEDERS_CSV.replace("from: power-substations", "rdf: received/none.nt");
    let ws = ws.with_file("exports/feeders.yaml", &missing);
    let run = ws.run(&["lint"]).expect(2);
    assert!(
        run.stderr.contains("no file `received/none.nt`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("exports/feeders.yaml:1:6"),
        "{}",
        run.stderr
    );
    // A link under exports/ to elsewhere is not followed out of the output folder.
    let ws = ws.with_file(
        "exports/feeders.yaml",
        &FEEDERS_CSV.replace("path: feeders.csv", "path: linked/feeders.csv"),
    );
    let elsewhere = tempfile::tempdir().expect("folder");
    std::fs::create_dir_all(ws.path().join("out/exports")).expect("folder");
    std::os::unix::fs::symlink(elsewhere.path(), ws.path().join("out/exports/linked"))
        .expect("link");
    let run = ws.run(&["export", "feeders"]).expect(2);
    assert!(
        run.stderr
            .contains("would be written outside the output folder"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_dir(elsewhere.path()).expect("list").count(),
        0
    );
}

#[test]
fn a_measure_without_a_unit_is_a_failure_and_workbooks_are_the_same_bytes() {
    let ws = TestWorkspace::example().with_file("exports/feeders.yaml", FEEDERS_CSV);
    let (ws, ies4) = run_in_ies4(ws);
    let unit = "<https://data.example.org/power/substation/SS-0001#nominalVoltage-value> <http://ies.data.gov.uk/ontology/ies4#measureUnit> <https://rdl.example.org/region#V> .\n";
    assert!(ies4.contains(unit));
    let ws = ws.with_file("received/no-unit.nt", &ies4.replace(unit, ""));
    ws.run(&["export", "feeders", "--rdf", "received/no-unit.nt"])
        .expect(1);
    let failures = csv_rows(&ws, "out/exports/feeders.failures.csv", b',');
    assert_eq!(failures.len(), 1);
    assert!(
        failures[0]["reason"].contains("has no unit"),
        "{}",
        failures[0]["reason"]
    );

    ws.run(&["export", "water-feeders"]).expect(0);
    let first = std::fs::read(ws.path().join("out/exports/water-feeders.xlsx")).expect("read");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    ws.run(&["export", "water-feeders"]).expect(0);
    let second = std::fs::read(ws.path().join("out/exports/water-feeders.xlsx")).expect("read");
    assert!(first == second, "a rerun wrote another workbook");
}
