//! The benchmark's data: a synthetic asset register of N rows and 20 columns, the
//! substations its pumps are fed by, and the sites and pressure zones its assets are in.
//! Deterministic (same N, same bytes).
//!
//!     cargo run --release --example bench-generate -- ROWS DIR
//!     cargo run --release --example bench-generate -- --links DIR
//!     cargo run --release --example bench-generate -- --xlsx ROWS DIR
//!     cargo run --release --example bench-generate -- --rdl CLASSES DIR
//!
//! The first writes `assets.csv`, `substations.csv`, `sites.csv` and `zones.csv`; the second
//! only `sites.csv` and `zones.csv` (they do not depend on N), beside a register written before
//! they were; the third the same register as one sheet of `assets.xlsx` (numbers as numbers),
//! for the workbook-reading comparison.
//!
//! About 1% of rows carry a defect: a duplicate identifier, a feeder that does not exist, a
//! negative power, an unknown type code, a unit written into the value. About 1% of the
//! register's sites and zones are missing from `sites.csv` and `zones.csv`, so links to them
//! dangle.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// SplitMix64: small, fast, the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const SUBSTATIONS: u64 = 5_000;
/// The register's sites are `S0000` to `S1999`, its zones `Z0` to `Z96`.
const SITES: u64 = 2_000;
const ZONES: u64 = 97;
const SITE_TYPES: [&str; 4] = ["PS", "TW", "RS", "BH"];
const TYPES: [&str; 8] = ["PMP", "PMP", "PUMP", "VLV", "VLV", "MN", "RES", "HYD"];
const STATUSES: [&str; 4] = ["In Service", "In Service", "OOS", "Decommissioned"];
const MATERIALS: [&str; 5] = ["DI", "PE", "PVC", "Steel", "CI"];
const MAKERS: [&str; 6] = ["Grundfos", "KSB", "Xylem", "Wilo", "Sulzer", "Ebara"];

/// The register's columns, in order.
const HEADER: [&str; 20] = [
    "asset_id",
    "asset_type",
    "description",
    "power_kw",
    "diameter_mm",
    "installed",
    "status",
    "site",
    "feeder",
    "manufacturer",
    "model",
    "serial",
    "flow_ls",
    "pressure_bar",
    "material",
    "zone",
    "criticality",
    "last_inspection",
    "inspector",
    "notes",
];

/// One cell of the register: text, or a number a workbook stores as a number.
enum Cell {
    Text(String),
    Number(f64),
}

impl Cell {
    fn csv(&self) -> String {
        match self {
            Self::Text(t) if t.contains(',') => format!("\"{t}\""),
            Self::Text(t) => t.clone(),
            Self::Number(n) => n.to_string(),
        }
    }
}

/// Row `i` of the register, drawing from `rng`.
fn asset(rng: &mut Rng, i: u64) -> Vec<Cell> {
    use Cell::{Number, Text};
    let defect = rng.below(500);
    let id = if defect == 0 && i > 0 { i - 1 } else { i };
    let kind = if defect == 1 {
        "PMPQ"
    } else {
        TYPES[rng.below(8) as usize]
    };
    let kw = 5 + rng.below(400);
    let power = match defect {
        2 => Text(format!("-{kw}")),
        3 => Text(format!("{kw} kW")),
        _ => Text(format!("{kw}.{}", rng.below(10))),
    };
    let feeder = if defect == 4 {
        "SS-99999".to_string()
    } else {
        format!("SS-{:05}", rng.below(SUBSTATIONS))
    };
    let (y, m, d) = (1960 + rng.below(64), 1 + rng.below(12), 1 + rng.below(28));
    let installed = if rng.below(2) == 0 {
        format!("{d:02}/{m:02}/{y}")
    } else {
        format!("{y}-{m:02}-{d:02}")
    };
    let diameter = 50 * (1 + rng.below(20));
    let status = STATUSES[rng.below(4) as usize];
    let site = rng.below(SITES);
    let maker = MAKERS[rng.below(6) as usize];
    let model = rng.below(900);
    let serial = rng.next() % 10_000_000_000;
    let flow = rng.below(500);
    let pressure = format!("{}.{}", rng.below(16), rng.below(10));
    let material = MATERIALS[rng.below(5) as usize];
    let criticality = 1 + rng.below(5);
    let inspection = format!(
        "{}-{:02}-{:02}",
        2015 + rng.below(10),
        1 + rng.below(12),
        1 + rng.below(28)
    );
    let inspector = rng.below(40);
    let notes = if rng.below(10) == 0 {
        "checked, see log"
    } else {
        ""
    };
    vec![
        Text(format!("WA-{id:08}")),
        Text(kind.to_string()),
        Text(format!("Asset {id} in zone {}", i % 97)),
        power,
        Number(diameter as f64),
        Text(installed),
        Text(status.to_string()),
        Text(format!("S{site:04}")),
        Text(feeder),
        Text(maker.to_string()),
        Text(format!("M-{model}")),
        Text(format!("{serial:010}")),
        Number(flow as f64),
        Text(pressure),
        Text(material.to_string()),
        Text(format!("Z{}", i % ZONES)),
        Number(criticality as f64),
        Text(inspection),
        Text(format!("inspector {inspector}")),
        Text(notes.to_string()),
    ]
}

/// The sites and pressure zones the register's `site` and `zone` columns name, less one in a
/// hundred sites and one of the 97 zones (`Z42`), whose links then dangle. Drawn from a
/// generator of their own, so the register's bytes do not depend on them.
fn write_link_targets(dir: &Path) -> std::io::Result<()> {
    let mut rng = Rng(0x0005_17E5);
    let mut out = BufWriter::new(File::create(dir.join("sites.csv"))?);
    writeln!(out, "site_id,name,site_type")?;
    for i in 0..SITES {
        let kind = SITE_TYPES[rng.below(4) as usize];
        if i % 100 != 37 {
            writeln!(out, "S{i:04},Site {i},{kind}")?;
        }
    }
    out.flush()?;
    let mut out = BufWriter::new(File::create(dir.join("zones.csv"))?);
    writeln!(out, "zone_id,name")?;
    for i in (0..ZONES).filter(|&i| i != 42) {
        writeln!(out, "Z{i},Pressure zone {i}")?;
    }
    out.flush()?;
    eprintln!(
        "wrote {SITES} sites and {ZONES} zones, less the missing ones, to {}",
        dir.display()
    );
    Ok(())
}

fn write_csv(rows: u64, dir: &Path) -> std::io::Result<()> {
    let mut rng = Rng(0xBE_7C_11);
    let mut out = BufWriter::with_capacity(1 << 20, File::create(dir.join("substations.csv"))?);
    writeln!(out, "substation_id,name,voltage_kv")?;
    for i in 0..SUBSTATIONS {
        writeln!(
            out,
            "SS-{i:05},Substation {i},{}",
            [11, 33, 132][(i % 3) as usize]
        )?;
    }
    out.flush()?;

    let mut out = BufWriter::with_capacity(1 << 22, File::create(dir.join("assets.csv"))?);
    writeln!(out, "{}", HEADER.join(","))?;
    for i in 0..rows {
        let cells: Vec<String> = asset(&mut rng, i).iter().map(Cell::csv).collect();
        writeln!(out, "{}", cells.join(","))?;
    }
    out.flush()?;
    eprintln!(
        "wrote {rows} assets and {SUBSTATIONS} substations to {}",
        dir.display()
    );
    write_link_targets(dir)
}

fn write_xlsx(rows: u64, dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = Rng(0xBE_7C_11);
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet().set_name("Assets")?;
    for (c, name) in HEADER.iter().enumerate() {
        sheet.write_string(0, c as u16, *name)?;
    }
    for i in 0..rows {
        let row = u32::try_from(i + 1)?;
        for (c, cell) in asset(&mut rng, i).into_iter().enumerate() {
            match cell {
                Cell::Text(t) if t.is_empty() => {}
                Cell::Text(t) => {
                    sheet.write_string(row, c as u16, t)?;
                }
                Cell::Number(n) => {
                    sheet.write_number(row, c as u16, n)?;
                }
            }
        }
    }
    book.save(dir.join("assets.xlsx"))?;
    eprintln!(
        "wrote {rows} assets to {}",
        dir.join("assets.xlsx").display()
    );
    Ok(())
}

/// A published-style ontology of `classes` classes (each with one or two parents, labels in
/// two languages, a description), a property per five classes, a SHACL shape per class; and
/// a QUDT-style units vocabulary of `classes * 6` units with labels in four languages and
/// a description each, for timing how fast layers load.
fn write_rdl(classes: u64, dir: &Path) -> std::io::Result<()> {
    use std::fmt::Write as _;
    let mut ttl = String::from(
        "# A generated ontology for thinslice's benchmark.\n@prefix ex: <https://bench.example.org/onto#> .\n@prefix owl: <http://www.w3.org/2002/07/owl#> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n@prefix sh: <http://www.w3.org/ns/shacl#> .\n\n",
    );
    for c in 0..classes {
        let parents = match c {
            0 => String::new(),
            1 | 2 => " ; rdfs:subClassOf ex:C0".to_string(),
            _ => format!(" ; rdfs:subClassOf ex:C{} , ex:C{}", c / 2, c / 3),
        };
        let _ = writeln!(
            ttl,
            "ex:C{c} a owl:Class{parents} ;\n    rdfs:label \"class {c}\"@en , \"Klasse {c}\"@de ;\n    rdfs:comment \"The generated class number {c}, for timing.\"@en .\n"
        );
        if c % 5 == 0 {
            let _ = writeln!(
                ttl,
                "ex:p{c} a owl:DatatypeProperty ; rdfs:domain ex:C{c} ; rdfs:range xsd:decimal ; rdfs:label \"property {c}\"@en .\n"
            );
        }
        let _ = writeln!(
            ttl,
            "ex:S{c} a sh:NodeShape ; sh:targetClass ex:C{c} ;\n    sh:property [ sh:path ex:p{} ; sh:minCount 1 ; sh:minInclusive 0 ] .\n",
            c / 5 * 5
        );
    }
    std::fs::write(dir.join("ontology.ttl"), ttl)?;
    let mut units = String::from(
        "@prefix qudt: <http://qudt.org/schema/qudt/> .\n@prefix unit: <http://qudt.org/vocab/unit/> .\n@prefix qk: <http://qudt.org/vocab/quantitykind/> .\n@prefix qkdv: <http://qudt.org/vocab/dimensionvector/> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n@prefix dcterms: <http://purl.org/dc/terms/> .\n\n",
    );
    for u in 0..classes * 6 {
        let dimension = u % 97;
        let _ = writeln!(
            units,
            "unit:U{u} a qudt:Unit , qudt:DerivedUnit ;\n    qudt:conversionMultiplier {}.0E0 ;\n    qudt:conversionOffset 0.0 ;\n    qudt:hasQuantityKind qk:K{dimension} ;\n    qudt:unitForQuantityKind qk:K{dimension} , qk:Q{} ;\n    qudt:hasDimensionVector qkdv:D{dimension} ;\n    qudt:symbol \"u{u}\" ;\n    qudt:ucumCode \"u{u}\"^^qudt:UCUMcs ;\n    rdfs:label \"unit {u}\"@en , \"Einheit {u}\"@de , \"unité {u}\"@fr , \"unità {u}\"@it ;\n    dcterms:description \"A generated unit of measure, number {u}, whose description is as long as published ones are: it says what the unit measures, how it relates to the SI base units, where it is used and which standards define it, so that the vocabulary weighs what a real one does.\"@en .\n",
            u + 1,
            u % 13
        );
    }
    std::fs::write(dir.join("units.ttl"), units)?;
    eprintln!(
        "wrote a {classes}-class ontology and {} units to {}",
        classes * 6,
        dir.display()
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "--rdl") {
        let classes = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(500);
        let dir = PathBuf::from(
            args.get(2)
                .cloned()
                .unwrap_or_else(|| "bench/data/rdl".into()),
        );
        std::fs::create_dir_all(&dir)?;
        return Ok(write_rdl(classes, &dir)?);
    }
    if args.first().is_some_and(|a| a == "--links") {
        let dir = PathBuf::from(args.get(1).cloned().unwrap_or_else(|| "bench/data".into()));
        std::fs::create_dir_all(&dir)?;
        return Ok(write_link_targets(&dir)?);
    }
    let xlsx = args.first().is_some_and(|a| a == "--xlsx");
    if xlsx {
        args.remove(0);
    }
    let rows: u64 = args
        .first()
        .and_then(|n| n.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    let dir = PathBuf::from(args.get(1).cloned().unwrap_or_else(|| "bench/data".into()));
    std::fs::create_dir_all(&dir)?;
    if xlsx {
        write_xlsx(rows, &dir)
    } else {
        Ok(write_csv(rows, &dir)?)
    }
}
