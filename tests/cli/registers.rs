//! Real legacy registers (issue 13): what converting spreadsheets that were never meant for
//! sharing needs.

use crate::support::TestWorkspace;

const RDL: &str = "namespace: https://r.example/#\nclasses:\n  Main: {}\nproperties:\n  material: { datatype: string }\n";

/// A workspace of one CSV register, `mains.csv`, its one slice, `rdl` and the slice's
/// `mapping`.
fn one_register(rdl: &str, csv: &str, mapping: &str) -> TestWorkspace {
    TestWorkspace::new("rdl: rdl.yaml\nsources:\n  mains: { path: mains.csv }\n")
        .with_file("rdl.yaml", rdl)
        .with_file("mains.csv", csv)
        .with_file("slices/mains.yaml", "source: mains\n")
        .with_file("mappings/mains.yaml", mapping)
}

/// A register of mains with no identifier column, a title line above its header.
fn register(id: &str, label: &str) -> TestWorkspace {
    TestWorkspace::new("rdl: rdl.yaml\nsources:\n  mains: { path: mains.csv, header_row: 2 }\n")
        .with_file("rdl.yaml", RDL)
        .with_file(
            "mains.csv",
            "Mains register, exported 2024\nStreet,From,To,Material\nHigh St,1,40,cast iron\nMill Lane,2,8,PVC\nHigh St,1,40,cast iron\n,,,\n",
        )
        .with_file("slices/mains.yaml", "source: mains\n")
        .with_file(
            "mappings/mains.yaml",
            &format!(
                "slice: mains\nclass: Main\nid: \"{id}\"\nlabel: \"{label}\"\nproperties:\n  material: {{ from: Material }}\n"
            ),
        )
}

#[test]
fn a_register_without_an_identifier_column_is_identified_by_its_lines() {
    let ws = register(
        "https://data.example/main/line-{_line}",
        "{Street} (line {_line})",
    );
    ws.run(&["run"]).expect(0);
    let nt = std::fs::read_to_string(ws.path().join("out/rdf/mains.nt")).expect("N-Triples");
    for line in [
        "<https://data.example/main/line-3> <http://www.w3.org/2000/01/rdf-schema#label> \"High St (line 3)\" .",
        "<https://data.example/main/line-4> <http://www.w3.org/2000/01/rdf-schema#label> \"Mill Lane (line 4)\" .",
        "<https://data.example/main/line-5> <http://www.w3.org/2000/01/rdf-schema#label> \"High St (line 5)\" .",
    ] {
        assert!(nt.contains(line), "no {line}\nin\n{nt}");
    }
}

#[test]
fn a_digest_of_chosen_columns_names_a_thing_whatever_its_line() {
    let ws = register(
        "https://data.example/main/{_hash(Street, From, To)}",
        "{Street}",
    );
    let run = ws.run(&["run", "--format", "json"]).expect(0);
    let nt = std::fs::read_to_string(ws.path().join("out/rdf/mains.nt")).expect("N-Triples");
    let ids: std::collections::BTreeSet<&str> = nt
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        ids.len(),
        2,
        "two mains: the third line repeats the first\n{nt}"
    );
    for id in &ids {
        let digest = id
            .trim_start_matches("<https://data.example/main/")
            .trim_end_matches('>');
        assert!(
            digest.len() == 16 && digest.chars().all(|c| c.is_ascii_hexdigit()),
            "{id}"
        );
    }
    // The repeated main is a uniqueness failure, located at its line.
    assert!(run.stdout.contains("\"uniqueness\""), "{}", run.stdout);
    let failures =
        std::fs::read_to_string(ws.path().join("out/failures/mains.csv")).expect("failures");
    assert!(failures.contains("mains.csv:5"), "{failures}");
    // The same text gives the same digest in another run, from another file.
    let again = register("https://data.example/main/{_hash(Street, From, To)}", "{Street}")
        .with_file(
            "mains.csv",
            "Mains register, exported 2025\nStreet,From,To,Material\nNew Road,1,2,PE\nMill Lane,2,8,PVC\n",
        );
    again.run(&["run"]).expect(0);
    let nt_again =
        std::fs::read_to_string(again.path().join("out/rdf/mains.nt")).expect("N-Triples");
    let mill_lane = |nt: &str| {
        nt.lines()
            .find(|l| l.contains("\"Mill Lane\""))
            .and_then(|l| l.split_whitespace().next())
            .map(str::to_string)
    };
    assert_eq!(mill_lane(&nt), mill_lane(&nt_again));
}

#[test]
fn a_hash_of_no_column_or_an_unknown_one_is_refused_at_its_place() {
    let ws = register("https://data.example/main/{_hash()}", "{Street}");
    let lint = ws.run(&["lint"]).expect(2);
    assert!(
        lint.stderr.contains("`_hash()` names no column"),
        "{}",
        lint.stderr
    );
    let ws = register("https://data.example/main/{_hash(Stret)}", "{Street}");
    let lint = ws.run(&["lint"]).expect(2);
    assert!(
        lint.stderr.contains("unknown column `Stret`"),
        "{}",
        lint.stderr
    );
    assert!(
        lint.stderr.contains("did you mean `Street`?"),
        "{}",
        lint.stderr
    );
    assert!(
        lint.stderr.contains("mappings/mains.yaml:3:"),
        "{}",
        lint.stderr
    );
}

#[test]
fn placeholders_a_property_declares_are_no_value_not_a_failure() {
    let rdl = "namespace: https://r.example/#\nclasses:\n  Main: {}\nproperties:\n  laid: { datatype: date }\n";
    let mapping = |nulls: &str| {
        format!(
            "slice: mains\nclass: Main\nid: \"https://data.example/main/{{Ref}}\"\nproperties:\n  laid: {{ from: Laid{nulls} }}\n"
        )
    };
    let ws = one_register(
        rdl,
        "Ref,Laid\nM1,1998-05-01\nM2,0001-01-01\nM3, n/a \nM4,yesterday\n",
        &mapping(""),
    );
    let failed = |ws: &TestWorkspace| {
        let run = ws.run(&["run", "--format", "json"]).expect(0);
        let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
        report["slices"][0]["failed_values"]
            .as_u64()
            .unwrap_or(u64::MAX)
    };
    // 0001-01-01 is a date; `n/a` and `yesterday` are not.
    assert_eq!(failed(&ws), 2);
    let ws = ws.with_file(
        "mappings/mains.yaml",
        &mapping(", nulls: [\"0001-01-01\", \"n/a\"]"),
    );
    assert_eq!(failed(&ws), 1, "only `yesterday` fails");
    let nt = std::fs::read_to_string(ws.path().join("out/rdf/mains.nt")).expect("N-Triples");
    assert!(
        nt.contains("<https://data.example/main/M1> <https://r.example/#laid>"),
        "{nt}"
    );
    assert!(
        !nt.contains("<https://data.example/main/M2> <https://r.example/#laid>"),
        "{nt}"
    );
}

#[test]
fn a_codes_sheet_and_a_csv_without_a_header_row_are_read_by_position() {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Codes").expect("sheet");
    for (row, (code, term)) in [("PMP", "Pump"), ("VLV", "Valve")].iter().enumerate() {
        sheet.write(row as u32 + 1, 1, *code).expect("cell");
        sheet.write(row as u32 + 1, 2, *term).expect("cell");
    }
    let codes = book.save_to_buffer().expect("xlsx");
    let ws = TestWorkspace::new(
        "sources:\n  codes: { path: codes.xlsx, header_row: 0 }\n  plain: { path: plain.csv, header_row: 0 }\n",
    )
    .with_file("slices/codes.yaml", "source: codes\n")
    .with_file("slices/plain.yaml", "source: plain\n")
    .with_file("plain.csv", "P1,North pump\nP2,South pump\n");
    std::fs::write(ws.path().join("codes.xlsx"), codes).expect("write");
    let profile = ws.run(&["profile", "codes"]).expect(0);
    assert!(
        profile.stdout.contains("2 rows, 2 columns"),
        "{}",
        profile.stdout
    );
    // Its columns are named by their letters, as the sheet shows them.
    assert!(
        profile.stdout.contains("\nB       text"),
        "{}",
        profile.stdout
    );
    assert!(
        profile.stdout.contains("Codes!B2"),
        "the first data row is row 2: {}",
        profile.stdout
    );
    let plain = ws.run(&["profile", "plain"]).expect(0);
    assert!(
        plain.stdout.contains("2 rows, 2 columns"),
        "{}",
        plain.stdout
    );
    assert!(plain.stdout.contains("column 1"), "{}", plain.stdout);
    assert!(
        plain.stdout.contains("line 1"),
        "the first line is data: {}",
        plain.stdout
    );
}

#[test]
fn units_are_read_by_the_aliases_the_rdl_gives_them() {
    let rdl = "namespace: https://r.example/#\nunits:\n  m: { quantity: length }\n  mm: { quantity: length, factor: 0.001, aliases: [millimeters, millimetres] }\n  in: { quantity: length, factor: 0.0254, aliases: [inches, \"\\\"\"] }\nclasses:\n  Door: {}\nproperties:\n  width: { datatype: decimal, unit: m }\n";
    let ws = TestWorkspace::new("rdl: rdl.yaml\nsources:\n  doors: { path: doors.csv }\n")
        .with_file("rdl.yaml", rdl)
        .with_file(
            "doors.csv",
            "Ref,Width\nD1,900 millimeters\nD2,36 inches\nD3,36\"\nD4,3 furlongs\n",
        )
        .with_file("slices/doors.yaml", "source: doors\n")
        .with_file(
            "mappings/doors.yaml",
            "slice: doors\nclass: Door\nid: \"https://data.example/door/{Ref}\"\nproperties:\n  width: { from: Width, unit: millimetres, unit_in_value: true }\n",
        );
    let run = ws.run(&["run", "--format", "json"]).expect(0);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(
        report["slices"][0]["failed_values"], 1,
        "3 furlongs: {}",
        run.stdout
    );
    let nt = std::fs::read_to_string(ws.path().join("out/rdf/doors.nt")).expect("N-Triples");
    for (door, metres) in [("D1", "0.9"), ("D2", "0.9144"), ("D3", "0.9144")] {
        let triple = format!(
            "<https://data.example/door/{door}> <https://r.example/#width> \"{metres}\"^^<http://www.w3.org/2001/XMLSchema#decimal> ."
        );
        assert!(nt.contains(&triple), "no {triple}\nin\n{nt}");
    }
}

#[test]
fn each_value_can_take_its_unit_from_a_column() {
    let rdl = "namespace: https://r.example/#\nunits:\n  m: { quantity: length }\n  mm: { quantity: length, factor: 0.001, aliases: [millimeters] }\n  ft: { quantity: length, factor: 0.3048, aliases: [feet] }\nclasses:\n  Door: {}\nproperties:\n  width: { datatype: decimal, unit: m }\n";
    let ws = TestWorkspace::new("rdl: rdl.yaml\nsources:\n  doors: { path: doors.csv }\n")
        .with_file("rdl.yaml", rdl)
        .with_file(
            "doors.csv",
            "Ref,Width,Unit\nD1,900,millimeters\nD2,3,feet\nD3,2,\nD4,4,cubits\n",
        )
        .with_file("slices/doors.yaml", "source: doors\n")
        .with_file(
            "mappings/doors.yaml",
            "slice: doors\nclass: Door\nid: \"https://data.example/door/{Ref}\"\nproperties:\n  width: { from: Width, unit_from: Unit }\n",
        );
    let run = ws.run(&["run", "--format", "json"]).expect(0);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(
        report["slices"][0]["failed_values"], 1,
        "cubits: {}",
        run.stdout
    );
    let failures =
        std::fs::read_to_string(ws.path().join("out/failures/doors.csv")).expect("failures");
    assert!(
        failures.contains(
            "\"unknown unit `cubits`: not one of ft, feet, m, mm, millimeters\",doors.csv:5"
        ),
        "{failures}"
    );
    let nt = std::fs::read_to_string(ws.path().join("out/rdf/doors.nt")).expect("N-Triples");
    for (door, metres) in [("D1", "0.9"), ("D2", "0.9144"), ("D3", "2.0")] {
        let triple = format!(
            "<https://data.example/door/{door}> <https://r.example/#width> \"{metres}\"^^<http://www.w3.org/2001/XMLSchema#decimal> ."
        );
        assert!(nt.contains(&triple), "no {triple}\nin\n{nt}");
    }
    let ws = ws.with_file(
        "mappings/doors.yaml",
        "slice: doors\nclass: Door\nid: \"https://data.example/door/{Ref}\"\nproperties:\n  width: { from: Width, unit_from: Units }\n",
    );
    let lint = ws.run(&["lint"]).expect(2);
    assert!(
        lint.stderr.contains("did you mean `Unit`?"),
        "{}",
        lint.stderr
    );
}

#[test]
fn a_blank_class_code_takes_the_fallback_class_like_any_unmapped_code() {
    let rdl = "namespace: https://r.example/#\nclasses:\n  Pump: {}\n  Equipment: {}\nproperties:\n  name: { datatype: string }\n";
    let mapping = |unmapped: &str| {
        format!(
            "slice: kit\nclass: {{ from: Category, values: {{ PMP: Pump }}, unmapped: {unmapped} }}\nid: \"https://data.example/kit/{{Ref}}\"\nproperties:\n  name: {{ from: Name }}\n"
        )
    };
    let ws = TestWorkspace::new("rdl: rdl.yaml\nsources:\n  kit: { path: kit.csv }\n")
        .with_file("rdl.yaml", rdl)
        .with_file(
            "kit.csv",
            "Ref,Category,Name\nK1,PMP,Pump 1\nK2,,Unknown kit\nK3,XYZ,Odd kit\n",
        )
        .with_file("slices/kit.yaml", "source: kit\n")
        .with_file("mappings/kit.yaml", &mapping("Equipment"));
    let run = ws.run(&["run", "--format", "json"]).expect(0);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(report["slices"][0]["things"], 3, "{}", run.stdout);
    assert_eq!(report["slices"][0]["quarantined"], 0, "{}", run.stdout);
    let nt = std::fs::read_to_string(ws.path().join("out/rdf/kit.nt")).expect("N-Triples");
    assert!(nt.contains("<https://data.example/kit/K2> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://r.example/#Equipment> ."), "{nt}");
    // Without a fallback, a blank code still quarantines its row, saying so.
    let ws = ws.with_file("mappings/kit.yaml", &mapping("quarantine"));
    let run = ws.run(&["run", "--format", "json"]).expect(0);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(report["slices"][0]["quarantined"], 2, "{}", run.stdout);
    let quarantine =
        std::fs::read_to_string(ws.path().join("out/quarantine/kit.csv")).expect("quarantine");
    assert!(
        quarantine.contains("no class: `Category` is empty"),
        "{quarantine}"
    );
}

/// Types, components pointing at their type by name, and an attribute table naming
/// components by their name: the COBie shape, as CSV files.
fn handover(components_mapping: &str) -> TestWorkspace {
    TestWorkspace::new(
        "rdl: rdl.yaml\nsources:\n  types: { path: types.csv }\n  components: { path: components.csv }\n  attributes: { path: attributes.csv }\n",
    )
    .with_file(
        "rdl.yaml",
        "namespace: https://r.example/#\nunits:\n  mm: { quantity: length, factor: 0.001, aliases: [millimeters] }\n  m: { quantity: length, factor: 1 }\nclasses:\n  Door: {}\n  Pump: {}\n  Type: {}\nproperties:\n  length: { datatype: decimal, unit: m }\n  manufacturer: { datatype: string }\n  hasType: { datatype: link }\n",
    )
    .with_file("types.csv", "Name,Category,Manufacturer\nDoor-900,Doors,Acme\nPump-A,Pumps,Flowco\nOdd,,Nobody\n")
    .with_file("components.csv", "Name,TypeName\nD1,Door-900\nD2,Door-900\nP1,Pump-A\nX1,Missing\nX2,\nO1,Odd\n")
    .with_file(
        "attributes.csv",
        "SheetName,RowName,Name,Value,Unit\nComponent,D1,NominalLength,900,millimeters\nComponent,D2,NominalLength,2,m\nComponent,P1,NominalLength,abc,mm\nType,Door-900,NominalLength,5,m\nComponent,D1,Colour,red,\n",
    )
    .with_file("slices/types.yaml", "source: types\n")
    .with_file("slices/components.yaml", "source: components\n")
    .with_file("slices/attributes.yaml", "source: attributes\n")
    .with_file(
        "mappings/types.yaml",
        "slice: types\nclass: Type\nid: \"https://d.example/type/{Name}\"\nproperties:\n  manufacturer: { from: Manufacturer }\n",
    )
    .with_file("mappings/components.yaml", components_mapping)
}

const COMPONENTS: &str = r#"slice: components
class: { via: hasType, from: Category, values: { Doors: Door, Pumps: Pump } }
id: "https://d.example/component/{Name}"
label: "{Name} ({hasType.Manufacturer})"
links:
  hasType: { slice: types, id: "https://d.example/type/{TypeName}" }
from_attributes:
  slice: attributes
  match: { RowName: Name }
  where: "SheetName = 'Component'"
  name: Name
  value: Value
  unit: Unit
properties:
  manufacturer: { via: hasType, from: Manufacturer }
  length: { attribute: NominalLength }
"#;

#[test]
fn a_class_a_value_and_a_label_part_are_read_through_a_link_and_from_attribute_rows() {
    let ws = handover(COMPONENTS);
    ws.run(&["run"]).expect(0);
    let entities =
        std::fs::read_to_string(ws.path().join("out/entities/components.csv")).expect("entities");
    assert_eq!(
        entities,
        "id,class,label,length,manufacturer,hasType,_origin\n\
         https://d.example/component/D1,Door,D1 (Acme),0.9,Acme,https://d.example/type/Door-900,components.csv:2\n\
         https://d.example/component/D2,Door,D2 (Acme),2.0,Acme,https://d.example/type/Door-900,components.csv:3\n\
         https://d.example/component/P1,Pump,P1 (Flowco),,Flowco,https://d.example/type/Pump-A,components.csv:4\n"
    );
    // A type that is not there, no type, a type without a category: each said, located.
    let quarantine = std::fs::read_to_string(ws.path().join("out/quarantine/components.csv"))
        .expect("quarantine");
    for line in [
        "components.csv:5,\"no class: `hasType` points at `https://d.example/type/Missing`, no thing of slice `types`\",X1,Missing",
        "components.csv:6,no class: the `hasType` link is empty,X2,",
        "components.csv:7,no class: `hasType.Category` is empty,O1,Odd",
    ] {
        assert!(quarantine.contains(line), "no {line} in\n{quarantine}");
    }
    // The attribute value that is no length fails at the attribute's own row.
    let failures =
        std::fs::read_to_string(ws.path().join("out/failures/components.csv")).expect("failures");
    assert!(
        failures.contains("validity,https://d.example/component/P1,length,abc,\"not a number in a known unit (m, mm, millimeters)\",attributes.csv:4"),
        "{failures}"
    );
}

#[test]
fn a_lookup_through_an_unknown_link_or_column_is_refused_at_its_place() {
    let ws = handover(&COMPONENTS.replace(
        "via: hasType, from: Category",
        "via: hasTyp, from: Category",
    ));
    let lint = ws.run(&["lint"]).expect(2);
    assert!(
        lint.stderr.contains("unknown link `hasTyp`"),
        "{}",
        lint.stderr
    );
    assert!(
        lint.stderr.contains("did you mean `hasType`?"),
        "{}",
        lint.stderr
    );
    assert!(
        lint.stderr.contains("mappings/components.yaml:2:"),
        "{}",
        lint.stderr
    );
    let ws = handover(&COMPONENTS.replace("from: Category", "from: Categry"));
    let lint = ws.run(&["lint"]).expect(2);
    assert!(
        lint.stderr.contains("unknown column `Categry`"),
        "{}",
        lint.stderr
    );
    assert!(
        lint.stderr.contains("did you mean `Category`?"),
        "{}",
        lint.stderr
    );
    let ws = handover(&COMPONENTS.replace("{hasType.Manufacturer}", "{hasType.Manufactrer}"));
    let lint = ws.run(&["lint"]).expect(2);
    assert!(
        lint.stderr.contains("did you mean `hasType.Manufacturer`?"),
        "{}",
        lint.stderr
    );
    // A lookup into a slice of the same source cannot be read first.
    let ws = handover(COMPONENTS)
        .with_file(
            "thinslice.yaml",
            "rdl: rdl.yaml\nsources:\n  components: { path: all.csv }\n  attributes: { path: attributes.csv }\n",
        )
        .with_file("all.csv", "Name,TypeName,Category,Manufacturer\nD1,Door-900,,\nDoor-900,,Doors,Acme\n")
        .with_file("slices/types.yaml", "source: components\nwhere: TypeName IS NULL\n")
        .with_file("slices/components.yaml", "source: components\nwhere: TypeName IS NOT NULL\n");
    let lint = ws.run(&["lint"]).expect(2);
    assert!(
        lint.stderr
            .contains("reads slice `types` through link `hasType`"),
        "{}",
        lint.stderr
    );
    // Told at the link, whose targets are where the trouble is.
    assert!(
        lint.stderr.contains("mappings/components.yaml:6:"),
        "{}",
        lint.stderr
    );
}

#[test]
fn a_pattern_key_that_is_no_regular_expression_is_refused_at_its_place() {
    let ws = handover(&COMPONENTS.replace("Doors: Door", "\"/(Doors/\": Door"));
    let lint = ws.run(&["lint"]).expect(2);
    assert!(
        lint.stderr
            .contains("`/(Doors/` is not a regular expression"),
        "{}",
        lint.stderr
    );
    assert!(
        lint.stderr.contains("mappings/components.yaml:2:"),
        "{}",
        lint.stderr
    );
}

#[test]
fn the_terminal_names_the_most_frequent_unmapped_codes_and_the_report_all() {
    let rdl = "namespace: https://r.example/#\nclasses:\n  Main: {}\nproperties:\n  material: { datatype: code, values: [CI, PVC] }\n";
    let rows: String = [
        "CI", "AC", "AC", "AC", "PE", "PE", "ST", "DI", "GRP", "XX", "PVC",
    ]
    .iter()
    .enumerate()
    .map(|(i, m)| format!("M{i},{m}\n"))
    .collect();
    let ws = one_register(
        rdl,
        &format!("Ref,Material\n{rows}"),
        "slice: mains\nclass: Main\nid: \"https://data.example/main/{Ref}\"\nproperties:\n  material: { from: Material }\n",
    );
    let run = ws.run(&["--no-progress", "run"]).expect(0);
    assert!(
        run.stdout.contains(
            "unmapped codes (count, first at):\n  mains material from `Material`: `AC` 3 (mains.csv:3), `PE` 2 (mains.csv:6), `DI` 1 (mains.csv:9), `GRP` 1 (mains.csv:10), `ST` 1 (mains.csv:8), and 1 more in report.json\n"
        ),
        "{}",
        run.stdout
    );
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(ws.path().join("out/report.json")).expect("report"),
    )
    .expect("JSON");
    let codes = report["slices"][0]["unmapped_codes"]
        .as_array()
        .expect("codes");
    assert_eq!(codes.len(), 6, "{codes:?}");
    assert!(
        codes
            .iter()
            .any(|c| c["code"] == "XX" && c["first"] == "mains.csv:11")
    );
    let html = std::fs::read_to_string(ws.path().join("out/report.html")).expect("HTML");
    assert!(
        html.contains("<td>XX</td><td class=\"num\">1</td><td><code>mains.csv:11</code></td>"),
        "the HTML report lists every unmapped code"
    );
}

/// The codes workbook of the mains register: a sheet without a header row, each row a
/// list's name, a code and its term.
fn codes_workbook(path: &std::path::Path, rows: &[[&str; 3]]) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Codes").expect("sheet name");
    for (row, cells) in rows.iter().enumerate() {
        for (column, text) in cells.iter().enumerate() {
            sheet
                .write_string(row as u32, column as u16, *text)
                .expect("cell");
        }
    }
    book.save(path).expect("save");
}

const CODES: &[[&str; 3]] = &[
    ["MATERIAL", "CI", "CastIron"],
    ["MATERIAL", "DI", "DuctileIron"],
    ["MATERIAL", "PVC", "PVC"],
    ["MATERIAL", "PE", "Polyethylene"],
    ["MATERIAL", "AC", "AsbestosCement"],
    ["STATUS", "A", "InService"],
    ["STATUS", "AB", "Abandoned"],
];

fn mains(codes: &[[&str; 3]]) -> TestWorkspace {
    let ws = TestWorkspace::new("");
    crate::support::copy_tree(&crate::support::fixture("mains"), ws.path());
    codes_workbook(&ws.path().join("codes.xlsx"), codes);
    ws
}

#[test]
fn code_lists_come_from_a_headerless_codes_sheet_and_every_failure_is_located() {
    let ws = mains(CODES);
    ws.run(&["run"]).expect(0);
    let things = ws.parquet("out/entities/mains.parquet");
    assert_eq!(
        crate::support::strings(&things, "material"),
        [
            Some("CastIron".into()),
            Some("PVC".into()),
            Some("Polyethylene".into()),
            None,
            Some("AsbestosCement".into())
        ]
    );
    assert_eq!(
        crate::support::strings(&things, "state"),
        [
            Some("InService".into()),
            Some("InService".into()),
            None,
            Some("InService".into()),
            Some("Abandoned".into())
        ]
    );
    let failures =
        std::fs::read_to_string(ws.path().join("out/failures/mains.csv")).expect("failures");
    for line in [
        ",state,X,not mapped to an allowed value of `state`,mains.csv:4",
        ",material,ZZ,not mapped to an allowed value of `material`,mains.csv:5",
        // A text starting with `-` is guarded against spreadsheet formulas.
        ",diameter,'-0.005,below the minimum 0 m,mains.csv:6",
    ] {
        assert!(failures.contains(line), "no {line} in\n{failures}");
    }
}

#[test]
fn a_code_list_term_that_is_not_allowed_is_told_at_its_cell() {
    let mut codes = CODES.to_vec();
    codes.insert(4, ["MATERIAL", "ST", "Steel"]);
    let ws = mains(&codes);
    let lint = ws.run(&["lint"]).expect(2);
    assert!(
        lint.stderr
            .contains("codes.xlsx:Codes!C5: `Steel` is not an allowed value of the property"),
        "{}",
        lint.stderr
    );
    assert!(
        lint.stderr.contains("mappings/mains.yaml:9:"),
        "{}",
        lint.stderr
    );
    let ws = mains(CODES).with_file(
        "mappings/mains.yaml",
        &std::fs::read_to_string(crate::support::fixture("mains/mappings/mains.yaml"))
            .expect("mapping")
            .replace("term: C }\n  diameter", "term: D }\n  diameter"),
    );
    let lint = ws.run(&["lint"]).expect(2);
    assert!(
        lint.stderr.contains("unknown column `D`"),
        "{}",
        lint.stderr
    );
    assert!(
        lint.stderr.contains("known slice columns: `A`, `B`, `C`"),
        "{}",
        lint.stderr
    );
}

#[test]
fn the_readme_shows_the_mains_mapping_the_tests_run() {
    let readme = std::fs::read_to_string(crate::support::repo().join("README.md")).expect("README");
    let mapping = std::fs::read_to_string(crate::support::fixture("mains/mappings/mains.yaml"))
        .expect("mapping");
    assert!(
        readme.contains(&mapping),
        "README.md quotes tests/fixtures/mains/mappings/mains.yaml whole"
    );
}

#[test]
fn a_row_is_numbered_among_the_source_data_rows_across_batches() {
    let ws = register(
        "https://data.example/main/row-{_row}",
        "{Street} (row {_row}, line {_line})",
    )
    .with_file(
        "mains.csv",
        "Mains register, exported 2024\nStreet,From,To,Material\nHigh St,1,40,cast iron\n\"Mill\nLane\",2,8,PVC\nStation Rd,1,40,PE\nChurch Walk,3,9,PE\n",
    )
    .with_file("slices/mains.yaml", "source: mains\nwhere: Material <> 'PVC'\n");
    // Batches of two rows: the numbering carries on from one batch to the next, and rows
    // outside the slice keep their numbers.
    ws.run(&["--batch-rows", "2", "run"]).expect(0);
    let entities =
        std::fs::read_to_string(ws.path().join("out/entities/mains.csv")).expect("entities");
    assert_eq!(
        entities,
        "id,class,label,material,_origin\n\
         https://data.example/main/row-1,Main,\"High St (row 1, line 3)\",cast iron,mains.csv:3\n\
         https://data.example/main/row-3,Main,\"Station Rd (row 3, line 6)\",PE,mains.csv:6\n\
         https://data.example/main/row-4,Main,\"Church Walk (row 4, line 7)\",PE,mains.csv:7\n"
    );
}

#[test]
fn years_and_date_bounds_are_read_as_the_rdl_says() {
    let rdl = "namespace: https://r.example/#\nclasses:\n  Main: {}\nproperties:\n  laid: { datatype: year, min: 1850, max: 2030 }\n  inspected: { datatype: date, min: 1990-01-01, max: 2026-12-31 }\n  logged: { datatype: datetime, min: 2000-01-01 }\n";
    let ws = one_register(
        rdl,
        "Ref,Laid,Inspected,Logged\nM1,1998,2001-02-03,2021-03-04T05:06:07+01:00\nM2,12/05/1975,1989-12-31,1999-12-31T23:59:59Z\nM3,1820,2030-01-01,2020-01-01 10:00\nM4,old,12/05/2020,2020-01-01T10:00\n",
        "slice: mains\nclass: Main\nid: \"https://d.example/main/{Ref}\"\nproperties:\n  laid: { from: Laid, formats: [\"%d/%m/%Y\"] }\n  inspected: { from: Inspected, formats: [\"%d/%m/%Y\"] }\n  logged: { from: Logged }\n",
    );
    ws.run(&["run"]).expect(0);
    let entities =
        std::fs::read_to_string(ws.path().join("out/entities/mains.csv")).expect("entities");
    assert_eq!(
        entities,
        "id,class,inspected,laid,logged,_origin\n\
         https://d.example/main/M1,Main,2001-02-03,1998,2021-03-04T05:06:07+01:00,mains.csv:2\n\
         https://d.example/main/M2,Main,,1975,,mains.csv:3\n\
         https://d.example/main/M3,Main,,,2020-01-01T10:00:00,mains.csv:4\n\
         https://d.example/main/M4,Main,2020-05-12,,2020-01-01T10:00:00,mains.csv:5\n"
    );
    let failures =
        std::fs::read_to_string(ws.path().join("out/failures/mains.csv")).expect("failures");
    for line in [
        "inspected,1989-12-31,below the minimum 1990-01-01,mains.csv:3",
        "logged,1999-12-31T23:59:59+00:00,below the minimum 2000-01-01,mains.csv:3",
        "inspected,2030-01-01,above the maximum 2026-12-31,mains.csv:4",
        "laid,1820,below the minimum 1850,mains.csv:4",
        "laid,old,\"not a year (`1998`) or a date in `%d/%m/%Y`, `%Y-%m-%d`\",mains.csv:5",
    ] {
        assert!(failures.contains(line), "no {line} in\n{failures}");
    }
    let nt = std::fs::read_to_string(ws.path().join("out/rdf/mains.nt")).expect("N-Triples");
    assert!(
        nt.contains("<https://d.example/main/M1> <https://r.example/#laid> \"1998\"^^<http://www.w3.org/2001/XMLSchema#gYear> ."),
        "{nt}"
    );
    // A bound of the wrong kind, or no bound at all, is told at its place.
    let ws = ws.with_file(
        "rdl.yaml",
        &rdl.replace("min: 1850", "min: 1850-01-01")
            .replace("min: 2000-01-01", "min: yesterday"),
    );
    let lint = ws.run(&["lint"]).expect(2);
    assert!(
        lint.stderr
            .contains("`yesterday` is neither a number nor a date written 2024-03-01"),
        "{}",
        lint.stderr
    );
    let ws = ws.with_file("rdl.yaml", &rdl.replace("min: 1850", "min: 1850-01-01"));
    let lint = ws.run(&["lint"]).expect(2);
    assert!(
        lint.stderr.contains("a date as minimum or maximum"),
        "{}",
        lint.stderr
    );
    assert!(lint.stderr.contains("rdl.yaml:5:"), "{}", lint.stderr);
}

#[test]
fn a_property_pattern_map_reads_codes_cased_as_the_rule_says() {
    let rdl = "namespace: https://r.example/#\nclasses:\n  Main: {}\nproperties:\n  state: { datatype: code, values: [InService, OutOfService] }\n";
    let ws = one_register(
        rdl,
        "Ref,State\nM1,In-Service\nM2,OOS-2\nM3,in service\nM4,Retired\n",
        "slice: mains\nclass: Main\nid: \"https://d.example/main/{Ref}\"\nproperties:\n  state:\n    from: State\n    case: lower\n    # A regular expression keeps its escapes (`\\S`), matched whatever the case.\n    values: { \"/^IN\\\\S*$/\": InService, \"oos*\": OutOfService }\n",
    );
    let run = ws.run(&["run", "--format", "json"]).expect(0);
    let things = ws.parquet("out/entities/mains.parquet");
    assert_eq!(
        crate::support::strings(&things, "state"),
        [
            Some("InService".into()),
            Some("OutOfService".into()),
            None,
            None
        ]
    );
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(
        report["report"]["slices"][0]["matched_codes"],
        serde_json::json!([
            { "property": "state", "column": "State", "pattern": "/^IN\\S*$/", "code": "in-service", "count": 1 },
            { "property": "state", "column": "State", "pattern": "oos*", "code": "oos-2", "count": 1 },
        ])
    );
}

#[test]
fn a_code_list_that_cannot_be_read_or_fits_no_code_property_is_told_once() {
    let ws = mains(CODES);
    std::fs::remove_file(ws.path().join("codes.xlsx")).expect("remove");
    let lint = ws.run(&["lint"]).expect(2);
    assert!(
        lint.stderr.contains("No such file or directory"),
        "the cause is said: {}",
        lint.stderr
    );
    let mapping = std::fs::read_to_string(crate::support::fixture("mains/mappings/mains.yaml"))
        .expect("mapping")
        .replace(
            "diameter: { from: Diameter, unit: mm }",
            "diameter: { from: Diameter, unit: mm, values_from: { source: codes, code: B, term: C } }",
        );
    let ws = mains(CODES).with_file("mappings/mains.yaml", &mapping);
    let lint = ws.run(&["lint"]).expect(2);
    assert_eq!(
        lint.stderr
            .matches("`values_from` maps codes to allowed values")
            .count(),
        1,
        "{}",
        lint.stderr
    );
    assert!(
        lint.stderr.contains("this property is a decimal"),
        "{}",
        lint.stderr
    );
    let rdl = std::fs::read_to_string(crate::support::fixture("mains/rdl.yaml"))
        .expect("RDL")
        .replace("unit: m, min: 0", "unit: m, min: 0, max: 1900-02-30");
    let lint = mains(CODES)
        .with_file("rdl.yaml", &rdl)
        .run(&["lint"])
        .expect(2);
    assert!(
        lint.stderr
            .contains("`1900-02-30` is not a day of the calendar"),
        "{}",
        lint.stderr
    );
}

#[test]
fn reading_through_a_link_of_several_targets_is_told_at_via() {
    let ws = handover(&COMPONENTS.replace(
        "id: \"https://d.example/type/{TypeName}\" }",
        "id: \"https://d.example/type/{TypeName}\", split: \"|\" }",
    ));
    let lint = ws.run(&["lint"]).expect(2);
    assert!(
        lint.stderr
            .contains("the link `hasType` holds several targets (`split`)"),
        "{}",
        lint.stderr
    );
    // The property's `via` (line 15), not its `from`.
    assert!(
        lint.stderr.contains("mappings/components.yaml:15:24]"),
        "{}",
        lint.stderr
    );
}
