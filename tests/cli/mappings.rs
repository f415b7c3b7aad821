//! Mappings are checked against the RDL and their slice before any data is read.

use crate::support::{TestWorkspace, assert_snapshot};

#[test]
fn the_example_workspace_lints_clean() {
    let ws = TestWorkspace::example();
    let run = ws.run(&["lint"]).expect(0);
    assert_eq!(
        run.stdout,
        "ok: 5 slices, 5 mappings, checked against an RDL of 25 classes and 15 properties\n"
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
