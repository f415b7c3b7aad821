//! The benchmark's data: a synthetic asset register of N rows and 20 columns, and the
//! substations its pumps are fed by. Deterministic (same N, same bytes).
//!
//!     cargo run --release --example bench-generate -- ROWS DIR
//!
//! About 1% of rows carry a defect: a duplicate identifier, a feeder that does not exist, a
//! negative power, an unknown type code, a unit written into the value.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

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
const TYPES: [&str; 8] = ["PMP", "PMP", "PUMP", "VLV", "VLV", "MN", "RES", "HYD"];
const STATUSES: [&str; 4] = ["In Service", "In Service", "OOS", "Decommissioned"];
const MATERIALS: [&str; 5] = ["DI", "PE", "PVC", "Steel", "CI"];
const MAKERS: [&str; 6] = ["Grundfos", "KSB", "Xylem", "Wilo", "Sulzer", "Ebara"];

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let rows: u64 = args
        .next()
        .and_then(|n| n.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "bench/data".into()));
    std::fs::create_dir_all(&dir)?;
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
    writeln!(
        out,
        "asset_id,asset_type,description,power_kw,diameter_mm,installed,status,site,feeder,manufacturer,model,serial,flow_ls,pressure_bar,material,zone,criticality,last_inspection,inspector,notes"
    )?;
    for i in 0..rows {
        let defect = rng.below(500);
        let id = if defect == 0 && i > 0 { i - 1 } else { i };
        let kind = if defect == 1 {
            "PMPQ"
        } else {
            TYPES[rng.below(8) as usize]
        };
        let kw = 5 + rng.below(400);
        let power = match defect {
            2 => format!("-{kw}"),
            3 => format!("{kw} kW"),
            _ => format!("{kw}.{}", rng.below(10)),
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
        writeln!(
            out,
            "WA-{id:08},{kind},Asset {id} in zone {},{power},{},{installed},{},S{:04},{feeder},{},M-{},{:010},{},{}.{},{},Z{},{},{}-{:02}-{:02},inspector {},{}",
            i % 97,
            50 * (1 + rng.below(20)),
            STATUSES[rng.below(4) as usize],
            rng.below(2_000),
            MAKERS[rng.below(6) as usize],
            rng.below(900),
            rng.next() % 10_000_000_000,
            rng.below(500),
            rng.below(16),
            rng.below(10),
            MATERIALS[rng.below(5) as usize],
            i % 97,
            1 + rng.below(5),
            2015 + rng.below(10),
            1 + rng.below(12),
            1 + rng.below(28),
            rng.below(40),
            if rng.below(10) == 0 {
                "\"checked, see log\""
            } else {
                ""
            },
        )?;
    }
    out.flush()?;
    eprintln!(
        "wrote {rows} assets and {SUBSTATIONS} substations to {}",
        dir.display()
    );
    Ok(())
}
