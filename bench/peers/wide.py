"""bench/wide's job written by hand in Python polars: every asset, nineteen columns.

The same work as `thinslice run` on bench/wide: read nineteen of the register's twenty
columns, map each row to a thing (class from a code map, the rows whose code has no class
quarantined; IRI from a template; a label; a property from each column: power in kW with
units written in some values, diameter in mm, flow in L/s and pressure in bar converted to
the RDL's units, dates in two formats, the status and the material through code maps, texts
checked against patterns, numbers and dates against ranges, a value that breaks a range left
out), score the dimensions property by property, and write the slice, the things and the
quarantine as Parquet and the triples as N-Triples. Usage: wide.py DATA_DIR OUT_DIR
"""

import json
import os
import sys

import polars as pl

data, out = sys.argv[1], sys.argv[2]
for folder in ("slices", "entities", "quarantine", "rdf"):
    os.makedirs(os.path.join(out, folder), exist_ok=True)

REGION = "https://rdl.example.org/region#"
BENCH = "https://rdl.example.org/bench#"
BASE = "https://data.example.org/bench/asset/"
TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
XSD = "http://www.w3.org/2001/XMLSchema#"
COLUMNS = [
    "asset_id", "asset_type", "description", "power_kw", "diameter_mm", "installed", "status", "site",
    "manufacturer", "model", "serial", "flow_ls", "pressure_bar", "material", "zone", "criticality",
    "last_inspection", "inspector", "notes",
]
CLASSES = {"PMP": "Pump", "PUMP": "Pump", "VLV": "Valve", "MN": "WaterMain", "RES": "ServiceReservoir",
           "HYD": "Hydrant"}
CLASS_IRI = {c: (BENCH if c == "Hydrant" else REGION) + c for c in CLASSES.values()}

# Slice: every row, nineteen columns, with each row's line in the file.
rows = (
    pl.scan_csv(os.path.join(data, "assets.csv"), infer_schema=False)
    .with_row_index("line", offset=2)
    .select(["line", *COLUMNS])
    .collect()
)
rows.write_parquet(os.path.join(out, "slices", "assets.parquet"))


# Map: each property as (column it reads, RDL namespace, parsed value, datatype in RDF).
def number(column, factor):
    """A number in the RDL's unit, to 15 significant digits, as thinslice converts."""
    return (pl.col(column).str.strip_chars().cast(pl.Float64, strict=False) * factor).round_sig_figs(15)


def date(column, *formats):
    return pl.coalesce([pl.col(column).str.strip_chars().str.to_date(f, strict=False) for f in formats])


def code(column, case, values):
    text = pl.col(column).str.strip_chars()
    text = text.str.to_lowercase() if case == "lower" else text.str.to_uppercase()
    return text.replace_strict(values, default=None)


def text(column):
    return pl.col(column).str.strip_chars()


power = r"^\s*([-+]?[0-9][0-9.]*)\s*(kW|W|MW)?\s*$"
power_unit = pl.col("power_kw").str.extract(power, 2)
power_scale = pl.when(power_unit.is_null() | (power_unit == "kW")).then(1000.0).when(power_unit == "MW").then(1e6)
rated_power = (pl.col("power_kw").str.extract(power, 1).cast(pl.Float64, strict=False) * power_scale.otherwise(1.0))
STATES = {"in service": "InService", "oos": "OutOfService", "decommissioned": "Decommissioned"}
MATERIALS = {"DI": "DuctileIron", "PE": "Polyethylene", "PVC": "PVC", "STEEL": "Steel", "CI": "CastIron"}
PROPERTIES = {
    "assetIdentifier": ("asset_id", REGION, text("asset_id"), "string"),
    "ratedPower": ("power_kw", REGION, rated_power.round_sig_figs(15), "decimal"),
    "nominalDiameter": ("diameter_mm", REGION, number("diameter_mm", 0.001), "decimal"),
    "installationDate": ("installed", REGION, date("installed", "%d/%m/%Y", "%Y-%m-%d"), "date"),
    "operationalState": ("status", REGION, code("status", "lower", STATES), "code"),
    "siteCode": ("site", BENCH, text("site"), "string"),
    "manufacturer": ("manufacturer", BENCH, text("manufacturer"), "string"),
    "modelNumber": ("model", BENCH, text("model"), "string"),
    "serialNumber": ("serial", BENCH, text("serial"), "string"),
    "flowRate": ("flow_ls", BENCH, number("flow_ls", 0.001), "decimal"),
    "operatingPressure": ("pressure_bar", BENCH, number("pressure_bar", 100000.0), "decimal"),
    "material": ("material", BENCH, code("material", "upper", MATERIALS), "code"),
    "pressureZone": ("zone", BENCH, text("zone"), "string"),
    "criticality": ("criticality", BENCH, text("criticality").cast(pl.Int64, strict=False), "integer"),
    "lastInspectionDate": ("last_inspection", BENCH, date("last_inspection", "%Y-%m-%d"), "date"),
    "inspector": ("inspector", BENCH, text("inspector"), "string"),
    "note": ("notes", BENCH, text("notes"), "string"),
}
# The mapped values sit beside the source columns, named by their CURIEs (`bench:material`).
CURIE = {name: ("region:" if ns == REGION else "bench:") + name for name, (_, ns, _, _) in PROPERTIES.items()}


def term(name):
    return pl.col(CURIE[name])


# The RDL's rules on parsed values: a value that breaks one is a failure, left out of its thing.
RULES = {
    "assetIdentifier": term("assetIdentifier").str.contains(r"^[A-Z]{2}-[A-Z0-9-]+$"),
    "ratedPower": term("ratedPower") >= 0,
    "nominalDiameter": term("nominalDiameter").is_between(0, 5),
    "siteCode": term("siteCode").str.contains(r"^S[0-9]{4}$"),
    "serialNumber": term("serialNumber").str.contains(r"^[0-9]{10}$"),
    "flowRate": term("flowRate") >= 0,
    "operatingPressure": term("operatingPressure") >= 0,
    "pressureZone": term("pressureZone").str.contains(r"^Z[0-9]+$"),
    "criticality": term("criticality").is_between(1, 5),
    "lastInspectionDate": term("lastInspectionDate") >= pl.date(2000, 1, 1),
}
REQUIRED = {"Pump": ["ratedPower"], "Valve": ["nominalDiameter"], "WaterMain": ["nominalDiameter"]}

mapped = rows.with_columns(
    id=pl.lit(BASE) + pl.col("asset_id").str.replace_all(" ", "%20"),
    cls=pl.col("asset_type").str.strip_chars().replace_strict(CLASSES, default=None),
    **{CURIE[name]: expr for name, (_, _, expr, _) in PROPERTIES.items()},
)
quarantine = mapped.filter(pl.col("cls").is_null() | pl.col("asset_id").is_null())
quarantine.write_parquet(os.path.join(out, "quarantine", "assets.parquet"))
things = mapped.filter(pl.col("cls").is_not_null() & pl.col("asset_id").is_not_null())

# Check, property by property: a value is checked when its cell is not empty, passes when it
# parsed (and, for a code, was mapped) and keeps to the RDL's rules.
tallies = {"completeness": [0, 0], "validity": [0, 0], "conformity": [0, 0], "uniqueness": [0, 0]}
checked = things.select(
    **{f"{name}.present": pl.col(column).str.strip_chars().is_not_null().sum()
       for name, (column, *_) in PROPERTIES.items()},
    **{f"{name}.parsed": term(name).is_not_null().sum() for name in PROPERTIES},
    **{f"{name}.broken": (term(name).is_not_null() & ~rule).sum() for name, rule in RULES.items()},
).row(0, named=True)
for name, (_, _, _, datatype) in PROPERTIES.items():
    dimension = "conformity" if datatype == "code" else "validity"
    tallies[dimension][0] += checked[f"{name}.present"]
    tallies[dimension][1] += checked[f"{name}.parsed"] - checked.get(f"{name}.broken", 0)
things = things.with_columns(
    **{CURIE[name]: pl.when(rule).then(term(name)).otherwise(None) for name, rule in RULES.items()}
).sort("id", "line")
things.write_parquet(os.path.join(out, "entities", "assets.parquet"))
n = things.height
required = things.select(
    *[
        pl.struct(
            checked=(pl.col("cls") == cls).sum(),
            passed=((pl.col("cls") == cls) & term(p).is_not_null()).sum(),
        ).alias(f"{cls}.{p}")
        for cls, props in {c: ["operationalState", *REQUIRED.get(c, [])] for c in CLASS_IRI}.items()
        for p in props
    ]
).row(0, named=True)
for tally in required.values():
    tallies["completeness"][0] += tally["checked"]
    tallies["completeness"][1] += tally["passed"]
tallies["conformity"][0] += rows.height  # every row has a type code
tallies["conformity"][1] += n
tallies["uniqueness"] = [n, n - things["id"].is_duplicated().sum()]
scores = {d: {"checked": c, "passed": p, "score": p / c if c else 1.0} for d, (c, p) in tallies.items()}
with open(os.path.join(out, "report.json"), "w") as f:
    json.dump({"assets": scores, "things": n, "quarantined": quarantine.height}, f, indent=2)


# N-Triples, one line per triple, a predicate at a time.
def literal(value, datatype):
    value = value.cast(pl.String)
    escaped = value.str.replace_all("\\", "\\\\", literal=True).str.replace_all('"', '\\"', literal=True)
    suffix = "" if datatype == "string" else f"^^<{XSD}{datatype}>"
    return pl.lit('"') + escaped + pl.lit('"' + suffix)


subject = pl.lit("<") + pl.col("id") + pl.lit(">")
objects = {
    TYPE: pl.lit("<") + pl.col("cls").replace_strict(CLASS_IRI) + pl.lit(">"),
    LABEL: literal(pl.col("description"), "string"),
}
for name, (_, namespace, _, datatype) in PROPERTIES.items():
    if datatype == "code":
        objects[f"<{namespace}{name}>"] = pl.lit("<" + namespace) + term(name) + pl.lit(">")
    else:
        objects[f"<{namespace}{name}>"] = literal(term(name), datatype)
triples = 0
with open(os.path.join(out, "rdf", "assets.nt"), "wb") as nt:
    for predicate, obj in objects.items():
        lines = things.select(
            triple=pl.concat_str([subject, pl.lit(" " + predicate + " "), obj, pl.lit(" .")])
        ).drop_nulls()
        lines.write_csv(nt, include_header=False, quote_style="never")
        triples += lines.height
print(json.dumps({"things": n, "triples": triples}))
