//! A layered RDL end to end: a published ontology (Turtle), a sector ontology (RDF/XML), a
//! SKOS code list, QUDT units, the organisation's YAML terms and SHACL shapes, mapped to
//! from a CSV, and the data written with every term's own IRI.

use crate::support::TestWorkspace;

const CONFIG: &str = "\
rdl:
  - { path: rdl/upper.ttl, foundation: true }
  - rdl/telecom.rdf
  - rdl/states.ttl
  - rdl/units.ttl
  - rdl/water.yaml
  - { path: rdl/shapes.ttl, format: turtle }
prefixes:
  data: https://data.example.org/asset/
sources:
  pumps: { path: pumps.csv }
outputs: [csv, turtle, ntriples]
";

const PUMPS: &str = "\
Tag,Type,Name,Power W,State,Commissioned,Temp C,Stages
PU-1,PMP,Intake pump 1,207000,IS,2011-09-27,12.5,2
PU-2,PMP,Intake pump 2,150000,OOS,,,1;2
PS-1,STN,Riverside station,,SB,2001-01-01,,
PU-3,PMP,Intake pump 3,90000,active,2015-03-01,,
";

const SLICE: &str = "source: pumps\nkey: Tag\n";

const MAPPING: &str = "\
slice: pumps
class: { from: Type, values: { PMP: Pump, STN: ies:Facility } }
id: \"https://data.example.org/asset/{Tag}\"
label: \"{Name}\"
properties:
  ratedPower: { from: Power W, unit: W }
  operationalState: { from: State }
  ies:commissioned: { from: Commissioned }
  assetTag: { from: Tag }
  temperature: { from: Temp C, unit: Cel }
  stages: { from: Stages, split: \";\" }
";

fn workspace() -> TestWorkspace {
    let mut ws = TestWorkspace::new(CONFIG);
    for layer in [
        "upper.ttl",
        "telecom.rdf",
        "states.ttl",
        "units.ttl",
        "water.yaml",
        "shapes.ttl",
    ] {
        ws = ws.with_fixture(&format!("rdl/{layer}"));
    }
    ws.with_file("pumps.csv", PUMPS)
        .with_file("slices/pumps.yaml", SLICE)
        .with_file("mappings/pumps.yaml", MAPPING)
}

#[test]
fn a_layered_rdl_maps_data_with_every_terms_own_iri() {
    let ws = workspace();
    let lint = ws.run(&["lint"]).expect(0);
    assert!(lint.stdout.contains("classes"), "{}", lint.stdout);
    ws.run(&["run"]);
    let nt = std::fs::read_to_string(ws.path().join("out/rdf/pumps.nt")).expect("N-Triples");
    let asset = "<https://data.example.org/asset/PU-1>";
    for triple in [
        format!("{asset} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://rdl.example.org/water#Pump> ."),
        format!("{asset} <https://rdl.example.org/water#ratedPower> \"207.0\"^^<http://www.w3.org/2001/XMLSchema#decimal> ."),
        format!("{asset} <https://rdl.example.org/water#operationalState> <https://codes.example.org/state/in-service> ."),
        format!("{asset} <http://ies.data.gov.uk/ontology/ies4#commissioned> \"2011-09-27\"^^<http://www.w3.org/2001/XMLSchema#date> ."),
        format!("{asset} <https://rdl.example.org/water#temperature> \"12.5\"^^<http://www.w3.org/2001/XMLSchema#decimal> ."),
        "<https://data.example.org/asset/PS-1> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://ies.data.gov.uk/ontology/ies4#Facility> .".to_string(),
        // `active` is an alternative label of the concept whose code is IS.
        "<https://data.example.org/asset/PU-3> <https://rdl.example.org/water#operationalState> <https://codes.example.org/state/in-service> .".to_string(),
    ] {
        assert!(nt.contains(&triple), "missing {triple}\nin\n{nt}");
    }
    let ttl = std::fs::read_to_string(ws.path().join("out/rdf/pumps.ttl")).expect("Turtle");
    assert!(
        ttl.contains("@prefix ies: <http://ies.data.gov.uk/ontology/ies4#> ."),
        "{ttl}"
    );
    assert!(ttl.contains("data:PU-1 a ex:Pump ;"), "{ttl}");
}

#[test]
fn requirements_of_shapes_and_imported_classes_are_checked() {
    let ws = workspace();
    ws.run(&["run"]);
    let report = std::fs::read_to_string(ws.path().join("out/report.json")).expect("report");
    // PU-2 has no commissioning date, which the shapes require of every ies:Asset.
    let failures =
        std::fs::read_to_string(ws.path().join("out/failures/pumps.csv")).unwrap_or_default();
    assert!(
        failures.contains("PU-2") && failures.contains("commissioned"),
        "{failures}\n{report}"
    );
    // Two stages where the shape allows one (sh:maxCount 1): failed, and left out.
    assert!(
        failures.lines().any(|l| l.contains("stages")
            && l.contains("2 values")
            && l.contains("more than 1 value")),
        "{failures}"
    );
    let nt = std::fs::read_to_string(ws.path().join("out/rdf/pumps.nt")).expect("N-Triples");
    assert!(nt.contains("<https://data.example.org/asset/PU-1> <https://rdl.example.org/water#stages> \"2\"^^<http://www.w3.org/2001/XMLSchema#integer> ."), "{nt}");
    assert!(
        !nt.contains("PU-2> <https://rdl.example.org/water#stages>"),
        "{nt}"
    );
}

#[test]
fn a_name_in_several_layers_or_none_is_refused_with_its_candidates() {
    let ws = workspace().with_file(
        "mappings/pumps.yaml",
        &MAPPING.replace("STN: ies:Facility", "STN: Facilty"),
    );
    let lint = ws.run(&["lint"]).expect(2);
    assert!(
        lint.stderr.contains("unknown class `Facilty`"),
        "{}",
        lint.stderr
    );
    assert!(
        lint.stderr.contains("did you mean `Facility`?"),
        "{}",
        lint.stderr
    );

    let own = "namespace: https://rdl.example.org/own#\nprefix: own\nclasses:\n  Asset: { parents: [ies:Asset] }\n";
    let ws = workspace()
        .with_file("rdl/own.yaml", own)
        .with_file(
            "thinslice.yaml",
            &CONFIG.replace(
                "  - rdl/water.yaml\n",
                "  - rdl/water.yaml\n  - rdl/own.yaml\n",
            ),
        )
        .with_file(
            "mappings/pumps.yaml",
            &MAPPING.replace("STN: ies:Facility", "STN: Asset"),
        );
    let lint = ws.run(&["lint"]).expect(2);
    assert!(
        lint.stderr
            .contains("write one of `ies:Asset`, `own:Asset`"),
        "{}",
        lint.stderr
    );
}

#[test]
fn a_turtle_syntax_error_is_located_at_its_line() {
    let ws = workspace().with_file(
        "rdl/states.ttl",
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n\n<https://x.test/a> a skos:Concept ;\n    skos:prefLabel \"open .\n",
    );
    let lint = ws.run(&["lint"]).expect(2);
    assert!(
        lint.stderr.contains("thinslice::rdl::syntax"),
        "{}",
        lint.stderr
    );
    assert!(
        lint.stderr.contains("rdl/states.ttl is not valid Turtle"),
        "{}",
        lint.stderr
    );
    assert!(
        lint.stderr.contains("[rdl/states.ttl:4:"),
        "{}",
        lint.stderr
    );
}

#[test]
fn rdl_finds_the_right_word() {
    let ws = workspace();
    let tree = ws
        .run(&["rdl", "classes", "--under", "ies:Asset", "--tree"])
        .expect(0);
    assert_eq!(
        tree.stdout,
        "Asset  (asset)\n  Device  (device)\n    Pump  (pump)\n  Facility  (facility)\n    Exchange  (exchange)\n      CoreExchange  (core exchange)\n    PumpingStation  (pumping station)\n"
    );
    let pump = ws.run(&["rdl", "show", "Pump"]).expect(0);
    for line in [
        "iri: https://rdl.example.org/water#Pump",
        "defined: rdl/water.yaml:6",
        "ancestors:\n  Device\n  Asset\n  Entity\n  Element\n",
        "requires:\n  operationalState\n  ratedPower\n  commissioned (from Asset)\n",
        "properties of its domain:\n  commissioned: date\n  hasName: string\n  inLocation: link\n",
    ] {
        assert!(
            pump.stdout.contains(line),
            "no {line:?} in\n{}",
            pump.stdout
        );
    }
    let unit = ws.run(&["rdl", "show", "kW"]).expect(0);
    assert!(
        unit.stdout
            .starts_with("unit KiloW\n  iri: http://qudt.org/vocab/unit/KiloW\n"),
        "{}",
        unit.stdout
    );
    let state = ws.run(&["rdl", "show", "operationalState"]).expect(0);
    assert!(
        state
            .stdout
            .contains("  IS  (in service)  https://codes.example.org/state/in-service\n"),
        "{}",
        state.stdout
    );
    assert!(
        state
            .stdout
            .contains("  SB  (standby)  https://codes.example.org/state/standby  under IS\n"),
        "{}",
        state.stdout
    );
    let search = ws.run(&["rdl", "search", "pump"]).expect(0);
    let first = search.stdout.lines().next().unwrap_or_default();
    assert!(
        first.contains("class") && first.contains("Pump"),
        "{}",
        search.stdout
    );
    let unknown = ws.run(&["rdl", "show", "Pmp"]).expect(2);
    assert!(
        unknown
            .stderr
            .contains("no term of the RDL is written `Pmp`"),
        "{}",
        unknown.stderr
    );
    assert!(
        unknown.stderr.contains("did you mean `Pump`?"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn columns_are_grounded_only_when_their_classes_reach_the_foundation() {
    let level = |ws: &TestWorkspace, column: &str| -> String {
        let report = std::fs::read_to_string(ws.path().join("out/report.json")).expect("report");
        let report: serde_json::Value = serde_json::from_str(&report).expect("json");
        report["slices"][0]["digitalisation"]
            .as_array()
            .and_then(|columns| columns.iter().find(|c| c["column"] == column))
            .map(|c| c["level"].as_str().unwrap_or_default().to_string())
            .unwrap_or_default()
    };
    let ws = workspace();
    ws.run(&["run"]);
    assert_eq!(level(&ws, "Power W"), "grounded");
    assert_eq!(level(&ws, "Commissioned"), "implicit", "it has a failure");
    let ws = workspace().with_file(
        "thinslice.yaml",
        &CONFIG.replace("{ path: rdl/upper.ttl, foundation: true }", "rdl/upper.ttl"),
    );
    ws.run(&["run"]);
    assert_eq!(level(&ws, "Power W"), "explicit");
}

#[test]
fn the_example_rdl_exported_to_turtle_and_shacl_loads_back_the_same() {
    let ws = TestWorkspace::example();
    ws.run(&["rdl", "export", "turtle", "-o", "rdl/exported.ttl"])
        .expect(0);
    ws.run(&["rdl", "export", "shacl", "-o", "rdl/exported-shapes.ttl"])
        .expect(0);
    let exported = std::fs::read_to_string(ws.path().join("rdl/exported.ttl")).expect("export");
    assert!(exported.contains("rdl:Pump a owl:Class ;"), "{exported}");
    let shapes =
        std::fs::read_to_string(ws.path().join("rdl/exported-shapes.ttl")).expect("shapes");
    assert!(shapes.contains("sh:targetClass rdl:Pump"), "{shapes}");

    // The workspace on the exported RDL alone: the same RDL, the same outputs.
    let config = std::fs::read_to_string(ws.path().join("thinslice.yaml")).expect("config");
    let layered = config.replace(
        "  - { path: rdl/foundation.ttl, foundation: true }\n  - rdl/region.yaml\n",
        "  - { path: rdl/exported.ttl, foundation: true }\n  - rdl/exported-shapes.ttl\n",
    );
    assert_ne!(
        layered, config,
        "the example's rdl: is as this test expects"
    );
    let ws = ws.with_file("thinslice.yaml", &layered);
    let again = ws.run(&["rdl", "export", "turtle"]).expect(0);
    assert_eq!(again.stdout, exported);
    let shapes_again = ws.run(&["rdl", "export", "shacl"]).expect(0);
    assert_eq!(shapes_again.stdout, shapes);
    let test = ws.run(&["test"]).expect(0);
    assert!(
        test.stdout
            .contains("ok: 5 slice(s) match their expectations"),
        "{}",
        test.stdout
    );
}

#[test]
fn run_writes_the_part_of_the_rdl_the_data_uses_beside_it() {
    let ws = workspace();
    ws.run(&["run"]);
    let rdl = std::fs::read_to_string(ws.path().join("out/rdl.ttl")).expect("out/rdl.ttl");
    for line in [
        "ex:Pump a owl:Class ;",
        "rdfs:subClassOf ies:Device .",
        "ies:Device a owl:Class ;",
        "ies:Element a owl:Class ;",
        "ex:ratedPower a owl:DatatypeProperty ;",
        "qudt:hasUnit unit:KiloW .",
        "unit:KiloW a qudt:Unit ;",
        "st:in-service a skos:Concept ;",
        "sh:targetClass ex:Pump",
    ] {
        assert!(rdl.contains(line), "no {line:?} in\n{rdl}");
    }
    // Only what the data uses: no class of the telecom ontology.
    assert!(!rdl.contains("CoreExchange"), "{rdl}");
}

#[test]
fn rdl_diff_says_what_a_new_version_changes_and_which_mappings_it_breaks() {
    let ws = TestWorkspace::example();
    let region = std::fs::read_to_string(ws.path().join("rdl/region.yaml")).expect("region");
    let v2 = region
        .replace(
            "Pump:             { label: pump, parents: [WaterAsset], requires: [ratedPower] }",
            "Pump:             { label: pump, parents: [Asset], requires: [ratedPower] }",
        )
        .replace(
            "  Valve:            { label: valve, parents: [WaterAsset], requires: [nominalDiameter] }\n",
            "",
        )
        .replace("      Planned: planned\n", "");
    assert_ne!(v2, region);
    let ws = ws.with_file("rdl/region-v2.yaml", &v2);
    let diff = ws
        .run(&["rdl", "diff", "rdl/region.yaml", "rdl/region-v2.yaml"])
        .expect(0);
    assert_eq!(
        diff.stdout,
        "rdl/region.yaml → rdl/region-v2.yaml: 3 changes\n  \
         class Pump: re-parented: WaterAsset → Asset  (used by mappings/water-pumps.yaml)\n  \
         class Valve: removed (https://rdl.example.org/region#Valve)  (used by mappings/water-valves.yaml)\n  \
         property operationalState: allowed values: added none, removed Planned  (used by mappings/power-substations.yaml, mappings/telecom-exchanges.yaml, mappings/water-pumps.yaml, mappings/water-valves.yaml)\n\
         mappings that no longer pass against the new version:\n  \
         mappings/water-valves.yaml: unknown class `Valve`\n"
    );
    let json = ws
        .run(&[
            "--format",
            "json",
            "rdl",
            "diff",
            "rdl/region.yaml",
            "rdl/region-v2.yaml",
        ])
        .expect(0);
    let json: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(json["broken"][0]["mapping"], "mappings/water-valves.yaml");
}

/// A workspace whose RDL is kept in tables: a classification in Windows-1252 with two lines
/// above its header and codes that nest by prefix, a data dictionary, pick-lists and units.
fn tabular() -> TestWorkspace {
    let config = "\
rdl:
  - table: { source: uniclass, kind: classes, namespace: \"https://rdl.example.org/uniclass#\", parent_by_prefix: _, columns: { code: Code, label: Title } }
  - table: { source: units, kind: units, namespace: \"https://rdl.example.org/units#\", columns: { code: Symbol, label: Name, quantity: Quantity, factor: Factor } }
  - table: { source: dictionary, kind: properties, namespace: \"https://rdl.example.org/dd#\", columns: { code: Name, label: Label, datatype: Type, unit: Unit, domain: Applies to } }
  - table: { source: picklists, kind: values, namespace: \"https://rdl.example.org/dd#\", columns: { property: Property, code: Code, label: Label } }
sources:
  uniclass: { path: rdl/uniclass-products.csv, encoding: windows-1252, header_row: 3 }
  units: { path: rdl/units.csv }
  dictionary: { path: rdl/dictionary.csv }
  picklists: { path: rdl/picklists.csv }
";
    TestWorkspace::new(config)
        .with_fixture("rdl/uniclass-products.csv")
        .with_file(
            "rdl/units.csv",
            "Symbol,Name,Quantity,Factor\nW,watt,power,1\nkW,kilowatt,power,1000\nm,metre,length,1\n",
        )
        .with_file(
            "rdl/dictionary.csv",
            "Name,Label,Type,Unit,Applies to\nratedPower,rated power,decimal,W,Pr_20_93_52\nstatus,status,code,,Pr\nserial,serial number,xsd:string,,\n",
        )
        .with_file(
            "rdl/picklists.csv",
            "Property,Code,Label\nstatus,ACT,active\nstatus,RET,retired\n",
        )
}

#[test]
fn rdl_tables_give_classes_by_code_prefix_properties_values_and_units() {
    let ws = tabular();
    let pump = ws.run(&["rdl", "show", "Pr_20_93_52_10"]).expect(0);
    assert!(
        pump.stdout
            .contains("ancestors:\n  Pr_20_93_52\n  Pr_20_93\n  Pr_20\n  Pr\n"),
        "{}",
        pump.stdout
    );
    let pumps = ws.run(&["rdl", "show", "Pr_20_93_52"]).expect(0);
    assert!(
        pumps
            .stdout
            .contains("label: Pumps for water (débit >= 5 m³/h)"),
        "read as Windows-1252: {}",
        pumps.stdout
    );
    assert!(
        pumps.stdout.contains("  ratedPower: decimal\n"),
        "{}",
        pumps.stdout
    );
    assert!(
        pumps
            .stdout
            .contains("defined: rdl/uniclass-products.csv:7\n"),
        "{}",
        pumps.stdout
    );
    let status = ws.run(&["rdl", "show", "status"]).expect(0);
    assert!(
        status
            .stdout
            .contains("  ACT  (active)  https://rdl.example.org/dd#ACT\n  RET  (retired)"),
        "{}",
        status.stdout
    );
    let power = ws.run(&["rdl", "show", "ratedPower"]).expect(0);
    assert!(power.stdout.contains("unit: W"), "{}", power.stdout);
    let kw = ws.run(&["rdl", "show", "kW"]).expect(0);
    assert!(
        kw.stdout.contains("base = value × 1000 + 0 (power)"),
        "{}",
        kw.stdout
    );
}

#[test]
fn a_bad_cell_of_an_rdl_table_is_named_by_its_place() {
    let ws = tabular().with_file(
        "rdl/units.csv",
        "Symbol,Name,Quantity,Factor\nW,watt,power,1\nkW,kilowatt,power,one thousand\n",
    );
    let show = ws.run(&["rdl", "classes"]).expect(2);
    assert!(
        show.stderr
            .contains("rdl/units.csv:3: `one thousand` is not a number"),
        "{}",
        show.stderr
    );
    let ws = tabular().with_file(
        "rdl/dictionary.csv",
        "Name,Label,Type,Unit,Applies to\nratedPower,rated power,decimal,Wt,Pr\nstatus,status,code,,Pr\n",
    );
    let show = ws.run(&["rdl", "classes"]).expect(2);
    assert!(show.stderr.contains("unknown unit `Wt`"), "{}", show.stderr);
    assert!(
        show.stderr.contains("[rdl/dictionary.csv:2 (Unit):"),
        "at the cell: {}",
        show.stderr
    );
    let ws = tabular().with_file("rdl/dictionary.csv", "Nom,Label\nx,y\n");
    let show = ws.run(&["rdl", "classes"]).expect(2);
    assert!(
        show.stderr
            .contains("the RDL table has no column `Name` (source `dictionary`)"),
        "{}",
        show.stderr
    );
}
