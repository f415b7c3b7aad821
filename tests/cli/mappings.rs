//! Mappings are checked against the RDL and their slice before any data is read.

use crate::support::{TestWorkspace, assert_snapshot, strings};

#[test]
fn the_example_workspace_lints_clean() {
    let ws = TestWorkspace::example();
    let run = ws.run(&["lint"]).expect(0);
    assert_eq!(
        run.stdout,
        "ok: 5 slices, 5 mappings, 2 export mappings, checked against an RDL of 25 classes and 17 properties\n"
    );
    assert!(!ws.path().join("out").exists(), "lint writes nothing");
}

/// Several broken mappings: one report with every diagnostic, each at its line and column.
#[test]
fn every_problem_of_every_mapping_is_reported_together() {
    let ws = TestWorkspace::example()
        .with_file(
            "mappings/water-pumps.yaml",
            r#"slice: water-pumps
class: { from: Asset Type, values: { PMP: Pmup, PUMP: Pump } }
id: "https://data.example.org/water/asset/{Asset Id}"
properties:
  ratedPowr: { from: "Power (kW)" }
  ratedPower: { from: "Power (kW)", unit: mm }
  installationDate: { from: Installed, formats: ["%d/%m/%Y"] }
  operationalState: { from: Status, values: { "In Service": InServce } }
  locatedAt: { from: Site }
links:
  fedBy: { slice: power-substation, id: "https://data.example.org/power/substation/{Feeder}" }
"#,
        )
        .with_file(
            "mappings/water-valves.yaml",
            "slice: water-valves\nclass: Valve\nid: \"https://data.example.org/water/asset/{Asset ID\"\nproperties:\n  nominalDiameter: { from: Diameter (mm), unit: mm, formats: [\"%Y\"] }\n",
        )
        .with_file(
            "mappings/water-sites.yaml",
            "slice: water-sites\nclass: Site\nid: \"https://data.example.org/water/site/{Site Code}\"\nproperties:\n  name: { form: Site Name }\n",
        );
    let run = ws.run(&["lint"]).expect(2);
    assert_snapshot(&run.stderr, snapbox::file!["snapshots/broken-mappings.txt"]);
}

/// The entity with `id`, as a map from column to its text.
fn entity(
    frame: &polars::prelude::DataFrame,
    id: &str,
) -> std::collections::BTreeMap<String, Option<String>> {
    let ids = strings(frame, "id");
    let at = ids
        .iter()
        .position(|i| i.as_deref() == Some(id))
        .unwrap_or_else(|| panic!("no entity {id}"));
    frame
        .get_column_names()
        .iter()
        .map(|name| (name.to_string(), strings(frame, name)[at].clone()))
        .collect()
}

#[test]
fn things_get_rdl_classes_units_codes_dates_and_links() {
    let ws = TestWorkspace::example();
    ws.run(&["run"]).expect(0);

    let pumps = ws.parquet("out/entities/water-pumps.parquet");
    // Assets!D56 says `207 kW`: the unit in the value wins, and the RDL wants watts.
    let pump = entity(&pumps, "https://data.example.org/water/asset/WA-00163");
    assert_eq!(pump["class"].as_deref(), Some("Pump"));
    assert_eq!(pump["ratedPower"].as_deref(), Some("207000.0"));
    assert_eq!(pump["installationDate"].as_deref(), Some("2012-12-15"));
    assert_eq!(pump["operationalState"].as_deref(), Some("InService"));
    assert_eq!(
        pump["fedBy"].as_deref(),
        Some("https://data.example.org/power/substation/SS-0005")
    );
    assert_eq!(
        pump["_origin"].as_deref(),
        Some("examples/water/asset-register.xlsx:Assets!A56:I56")
    );

    // Windows-1252 names, decimal commas, kV to V and MVA to VA, a code per type.
    let substations = ws.parquet("out/entities/power-substations.parquet");
    let first = entity(
        &substations,
        "https://data.example.org/power/substation/SS-0001",
    );
    assert_eq!(first["class"].as_deref(), Some("SecondarySubstation"));
    assert_eq!(first["label"].as_deref(), Some("Sainte-Hélène 1"));
    assert_eq!(first["nominalVoltage"].as_deref(), Some("6600.0"));
    assert_eq!(first["ratedApparentPower"].as_deref(), Some("28300000.0"));
    assert_eq!(first["commissioningDate"].as_deref(), Some("2008-12-16"));
    // SS-0034 has type code XFMR, which the mapping does not know: quarantined, not a thing.
    assert!(!strings(&substations, "id").contains(&Some(
        "https://data.example.org/power/substation/SS-0034".into()
    )));

    // Hours of battery autonomy become seconds; a Parquet date stays a date.
    let exchanges = ws.parquet("out/entities/telecom-exchanges.parquet");
    let ids = strings(&exchanges, "id");
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "entities are sorted by id");
    assert_eq!(
        exchanges.column("backupAutonomy").expect("column").dtype(),
        &polars::prelude::DataType::Float64
    );
}

#[test]
fn values_that_do_not_parse_are_counted_and_left_out_and_csv_is_safe() {
    let ws = TestWorkspace::example_with_extra_pumps(
        "id,name,kw,installed\nP1,=HYPERLINK(\"x\"),7.5,01/02/2003\nP2,Pump two,lots,31/02/2020\n,Pump three,3,\n",
        "slice: extra-pumps\nclass: Pump\nid: \"https://x.org/pump/{id}\"\nlabel: \"{name}\"\nproperties:\n  ratedPower: { from: kw, unit: kW }\n  installationDate: { from: installed, formats: [\"%d/%m/%Y\"] }\n  operationalState: { value: InService }\n",
    );

    // P2 loses its rated power, which the RDL requires of a pump: completeness 3 of 4 checks
    // falls below the workspace's `fail` threshold, so the run exits 1.
    let run = ws
        .run(&["run", "--slice", "extra-pumps", "--format", "json"])
        .expect(1);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let completeness = &report["report"]["slices"][0]["dimensions"]["completeness"];
    assert_eq!(completeness["score"], 0.75);
    assert_eq!(completeness["status"], "fail");
    let extra = &report["slices"][0];
    assert_eq!(extra["rows_read"], 3);
    assert_eq!(extra["things"], 2);
    assert_eq!(extra["quarantined"], 1, "the row without an id");
    assert_eq!(
        extra["failed_values"], 2,
        "`lots` is no power, 31/02 no date"
    );

    let things = ws.parquet("out/entities/extra-pumps.parquet");
    let two = entity(&things, "https://x.org/pump/P2");
    assert_eq!(two["ratedPower"], None);
    assert_eq!(two["installationDate"], None);
    let one = entity(&things, "https://x.org/pump/P1");
    assert_eq!(one["ratedPower"].as_deref(), Some("7500.0"));

    let csv = std::fs::read_to_string(ws.path().join("out/entities/extra-pumps.csv")).expect("csv");
    assert!(csv.contains(",\"'=HYPERLINK(\"\"x\"\")\","), "{csv}");
}

/// Parsing rules on a small workspace with its own RDL: booleans, dates (a number in a CSV
/// file is not an Excel serial), thousands separators with decimal commas, units written in
/// values (with an offset), defaults and case folding.
#[test]
fn values_are_parsed_by_datatype_and_converted_by_unit() {
    let rdl = "namespace: https://r.example/#\nunits:\n  K: { quantity: temperature }\n  degC: { quantity: temperature, offset: 273.15 }\n  W: { quantity: power }\n  kW: { quantity: power, factor: 1000 }\nclasses:\n  Thing: {}\nproperties:\n  active: { datatype: boolean }\n  since: { datatype: date }\n  power: { datatype: decimal, unit: W }\n  temperature: { datatype: decimal, unit: K }\n  count: { datatype: integer }\n  state: { datatype: code, values: [On, Off] }\n";
    let ws = TestWorkspace::new("rdl: rdl.yaml\nsources:\n  s: { path: s.csv, delimiter: \";\" }\n")
        .with_file("rdl.yaml", rdl)
        .with_file(
            "s.csv",
            "id;flag;serial;power;temp;n;state\na;Y;2004-03-12;1.234,5;20 degC;7;ON\nb;n;1;2,5;300 K;x;\nc;maybe;38059;abc;1 parsec;3;off\n",
        )
        .with_file("slices/s.yaml", "source: s\n")
        .with_file(
            "mappings/s.yaml",
            "slice: s\nclass: Thing\nid: \"https://x.example/{id}\"\nproperties:\n  active: { from: flag }\n  since: { from: serial }\n  power: { from: power, unit: kW, decimal: \",\" }\n  temperature: { from: temp, unit_in_value: true }\n  count: { from: n }\n  state: { from: state, case: lower, values: { on: On, off: Off }, default: off }\n",
        );
    let run = ws.run(&["run", "--format", "json"]).expect(0);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    // c: `maybe`, `38059` (no date), `abc`, `1 parsec`; b: `1` (no date), `x` (no integer).
    assert_eq!(report["slices"][0]["failed_values"], 6, "{}", run.stdout);
    let things = ws.parquet("out/entities/s.parquet");
    let a = entity(&things, "https://x.example/a");
    assert_eq!(a["active"].as_deref(), Some("true"));
    assert_eq!(a["since"].as_deref(), Some("2004-03-12"));
    assert_eq!(a["power"].as_deref(), Some("1234500.0"));
    assert_eq!(a["temperature"].as_deref(), Some("293.15"));
    assert_eq!(a["count"].as_deref(), Some("7"));
    assert_eq!(a["state"].as_deref(), Some("On"));
    let b = entity(&things, "https://x.example/b");
    assert_eq!(b["active"].as_deref(), Some("false"));
    assert_eq!(b["since"], None);
    assert_eq!(b["power"].as_deref(), Some("2500.0"));
    assert_eq!(b["temperature"].as_deref(), Some("300.0"));
    assert_eq!(b["count"], None);
    assert_eq!(b["state"].as_deref(), Some("Off"), "the default");
    let c = entity(&things, "https://x.example/c");
    assert_eq!(
        (
            c["active"].as_deref(),
            c["power"].as_deref(),
            c["temperature"].as_deref()
        ),
        (None, None, None)
    );
    assert_eq!(c["state"].as_deref(), Some("Off"));
}

/// Cells holding several values (`A104, A101`) become several values and several links.
#[test]
fn multi_valued_cells_split_into_values_and_links() {
    let rdl = "namespace: https://r.example/#\nclasses:\n  Thing: {}\n  Site: { parents: [Thing] }\nproperties:\n  rating: { datatype: integer }\n  locatedAt: { datatype: link, range: Site }\n";
    let ws = TestWorkspace::new("rdl: rdl.yaml\nsources:\n  a: { path: a.csv }\n  s: { path: s.csv }\n")
        .with_file("rdl.yaml", rdl)
        .with_file("a.csv", "id,sites,ratings\nP1,\"A104, A101\",\"3, x, 5\"\nP2,A101,\nP3,,7\n")
        .with_file("s.csv", "code\nA101\nA104\n")
        .with_file("slices/assets.yaml", "source: a\n")
        .with_file("slices/sites.yaml", "source: s\n")
        .with_file(
            "mappings/assets.yaml",
            "slice: assets\nclass: Thing\nid: \"https://x.example/a/{id}\"\nproperties:\n  rating: { from: ratings, split: \",\" }\nlinks:\n  locatedAt: { slice: sites, id: \"https://x.example/s/{sites}\", split: \",\" }\n",
        )
        .with_file(
            "mappings/sites.yaml",
            "slice: sites\nclass: Site\nid: \"https://x.example/s/{code}\"\n",
        );
    let run = ws.run(&["run", "--format", "json"]).expect(0);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(report["slices"][0]["slice"], "assets");
    assert_eq!(report["slices"][0]["failed_values"], 1, "`x` is no integer");
    // P1: type, 2 ratings, 2 sites; P2: type, 1 site; P3: type, 1 rating.
    assert_eq!(report["slices"][0]["triples"], 9);

    let csv = std::fs::read_to_string(ws.path().join("out/entities/assets.csv")).expect("csv");
    assert!(
        csv.contains(
            "https://x.example/a/P1,Thing,3|5,https://x.example/s/A104|https://x.example/s/A101"
        ),
        "{csv}"
    );
    let nt = std::fs::read_to_string(ws.path().join("out/rdf/assets.nt")).expect("nt");
    assert!(
        nt.contains(
            "<https://x.example/a/P1> <https://r.example/#locatedAt> <https://x.example/s/A101> ."
        ),
        "{nt}"
    );
    assert!(nt.contains("<https://x.example/a/P1> <https://r.example/#rating> \"5\"^^<http://www.w3.org/2001/XMLSchema#integer> ."), "{nt}");
}

/// The three policies for a class code the map does not list, on substation SS-0034 (`XFMR`).
#[test]
fn unmapped_class_codes_are_quarantined_warned_or_given_a_fallback() {
    let mapping =
        std::fs::read_to_string(crate::support::repo().join("mappings/power-substations.yaml"))
            .expect("mapping");
    let outcome = |policy: &str| {
        let ws = TestWorkspace::example().with_file(
            "mappings/power-substations.yaml",
            &mapping.replace("unmapped: quarantine", &format!("unmapped: {policy}")),
        );
        let run = ws
            .run(&["run", "--slice", "power-substations", "--format", "json"])
            .expect(0);
        let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
        let slice = report["slices"][0].clone();
        let things = ws.parquet("out/entities/power-substations.parquet");
        let ids = strings(&things, "id");
        let class = ids
            .iter()
            .position(|i| i.as_deref() == Some("https://data.example.org/power/substation/SS-0034"))
            .map(|at| strings(&things, "class")[at].clone());
        (
            slice["things"].clone(),
            slice["quarantined"].clone(),
            slice["failed_values"].clone(),
            class,
        )
    };
    assert_eq!(outcome("quarantine"), (57.into(), 1.into(), 0.into(), None));
    assert_eq!(outcome("warn"), (58.into(), 0.into(), 1.into(), Some(None)));
    assert_eq!(
        outcome("Substation"),
        (
            58.into(),
            0.into(),
            0.into(),
            Some(Some("Substation".to_string()))
        )
    );
}

/// A mapping's own check: a named SQL condition every thing must satisfy.
#[test]
fn custom_checks_score_and_locate_the_things_that_break_them() {
    let mapping =
        std::fs::read_to_string(crate::support::repo().join("mappings/power-substations.yaml"))
            .expect("mapping");
    let ws = TestWorkspace::example().with_file(
        "mappings/power-substations.yaml",
        &format!(
            "{mapping}checks:\n  named-in-full:\n    where: \"\\\"Name\\\" NOT LIKE '%;%'\"\n    message: a substation name holds no semicolon\n    dimension: conformity\n"
        ),
    );
    ws.run(&["run"]).expect(0);
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(ws.path().join("out/report.json")).expect("report"),
    )
    .expect("JSON");
    let substations = report["slices"]
        .as_array()
        .expect("slices")
        .iter()
        .find(|s| s["slice"] == "power-substations")
        .expect("slice");
    // SS-0013 is named `Åsgard Lane 2; North` (substations.csv:16).
    let check = &substations["properties"]["check:named-in-full"]["conformity"];
    assert_eq!(
        (check["checked"].clone(), check["passed"].clone()),
        (57.into(), 56.into())
    );
    let failure = substations["failures"]
        .as_array()
        .expect("failures")
        .iter()
        .find(|f| f["property"] == "check:named-in-full")
        .expect("the check's failure");
    assert_eq!(failure["rule"], "a substation name holds no semicolon");
    assert_eq!(failure["origin"], "examples/power/substations.csv:16");

    let broken = ws.with_file(
        "mappings/power-substations.yaml",
        &format!("{mapping}checks:\n  odd:\n    where: \"Nmae = 'x'\"\n    message: m\n"),
    );
    let run = broken.run(&["lint"]).expect(2);
    assert!(
        run.stderr.contains("unknown column `Nmae`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("did you mean `Name`?"),
        "{}",
        run.stderr
    );
}
