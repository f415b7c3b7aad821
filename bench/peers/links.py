"""bench/links's job written by hand in Python polars: every asset, three links.

The same work as `thinslice run` on bench/links: read the register's asset_id, status, feeder,
site and zone, and the substations, sites and zones they name; map each asset to a thing (IRI
from a template, the status through a code map, a link to its substation, its site and its
zone) and each target row to a thing of its own (the sites' class from a code map, the
voltage in kV to V); score completeness, conformity, validity, uniqueness, and the integrity
of each link (a link whose target is no thing of its slice dangles); and write the slices,
the things and the quarantine as Parquet and the triples as N-Triples. Usage: links.py
DATA_DIR OUT_DIR
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
BASE = "https://data.example.org/bench/"
TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
XSD = "http://www.w3.org/2001/XMLSchema#"


def read(name, columns=None):
    """A source's rows (text), with each row's line in the file; its slice written."""
    rows = pl.scan_csv(os.path.join(data, f"{name}.csv"), infer_schema=False).with_row_index("line", offset=2)
    if columns:
        rows = rows.select(["line", *columns])
    rows = rows.collect()
    rows.write_parquet(os.path.join(out, "slices", f"{name}.parquet"))
    return rows


def iri(prefix, column):
    return pl.lit(BASE + prefix) + pl.col(column).str.replace_all(" ", "%20")


def literal(value, datatype=None):
    text = value.cast(pl.String)
    escaped = text.str.replace_all("\\", "\\\\", literal=True).str.replace_all('"', '\\"', literal=True)
    suffix = f"^^<{XSD}{datatype}>" if datatype else ""
    return pl.lit('"') + escaped + pl.lit('"' + suffix)


def term(namespace, column):
    return pl.lit("<" + namespace) + pl.col(column) + pl.lit(">")


def write(name, things, quarantine, objects):
    """A slice's things and quarantined rows as Parquet, its triples as N-Triples; returns
    how many triples."""
    quarantine.write_parquet(os.path.join(out, "quarantine", f"{name}.parquet"))
    things.write_parquet(os.path.join(out, "entities", f"{name}.parquet"))
    subject = pl.lit("<") + pl.col("id") + pl.lit(">")
    lines = pl.concat(
        [
            things.select(triple=pl.concat_str([subject, pl.lit(" " + p + " "), o, pl.lit(" .")])).drop_nulls()
            for p, o in objects.items()
        ]
    )
    lines.write_csv(os.path.join(out, "rdf", f"{name}.nt"), include_header=False, quote_style="never")
    return lines.height


def uniqueness(things):
    return {"checked": things.height, "passed": things.height - things["id"].is_duplicated().sum()}


report, totals = {}, {"things": 0, "triples": 0}

# The link targets: substations, sites, zones.
substations = read("substations").with_columns(
    id=iri("substation/", "substation_id"),
    nominalVoltage=(pl.col("voltage_kv").str.strip_chars().cast(pl.Float64, strict=False) * 1000.0).round_sig_figs(15),
    operationalState=pl.lit("InService"),
)
SITE_TYPES = {"PS": "PumpingStation", "TW": "TreatmentWorks", "RS": "ReservoirSite", "BH": "BoreholeSite"}
sites = read("sites").with_columns(
    id=iri("site/", "site_id"),
    cls=pl.col("site_type").str.strip_chars().replace_strict(SITE_TYPES, default=None),
)
zones = read("zones").with_columns(id=iri("zone/", "zone_id"))
targets = {
    "substations": (
        substations.filter(pl.col("substation_id").is_not_null()),
        substations.filter(pl.col("substation_id").is_null()),
        {
            TYPE: pl.lit(f"<{REGION}Substation>"),
            LABEL: literal(pl.col("name")),
            f"<{REGION}nominalVoltage>": literal(pl.col("nominalVoltage"), "decimal"),
            f"<{REGION}operationalState>": term(REGION, "operationalState"),
        },
        {"nominalVoltage": "nominalVoltage", "operationalState": "operationalState"},
    ),
    "sites": (
        sites.filter(pl.col("site_id").is_not_null() & pl.col("cls").is_not_null()),
        sites.filter(pl.col("site_id").is_null() | pl.col("cls").is_null()),
        {TYPE: term(REGION, "cls"), LABEL: literal(pl.col("name")), f"<{REGION}name>": literal(pl.col("name"))},
        {"name": "name"},
    ),
    "zones": (
        zones.filter(pl.col("zone_id").is_not_null()),
        zones.filter(pl.col("zone_id").is_null()),
        {TYPE: pl.lit(f"<{BENCH}PressureZone>"), LABEL: literal(pl.col("name")), f"<{REGION}name>": literal(pl.col("name"))},
        {"name": "name"},
    ),
}
for name, (things, quarantine, objects, required) in targets.items():
    things = things.sort("id", "line")
    present = things.select(
        **{p: pl.col(c).is_not_null().sum() for p, c in required.items()}
    ).row(0, named=True)
    report[name] = {
        "completeness": {"checked": things.height * len(required), "passed": sum(present.values())},
        "uniqueness": uniqueness(things),
    }
    totals["triples"] += write(name, things, quarantine, objects)
    totals["things"] += things.height

# The assets: every row, three links.
assets = read("assets", ["asset_id", "status", "feeder", "site", "zone"])
STATES = {"in service": "InService", "oos": "OutOfService", "decommissioned": "Decommissioned"}
LINKS = {  # link property -> (its namespace, the column it reads, the target slice, the IRI's path)
    "fedBy": (REGION, "feeder", "substations", "substation/"),
    "locatedAt": (REGION, "site", "sites", "site/"),
    "inZone": (BENCH, "zone", "zones", "zone/"),
}
mapped = assets.with_columns(
    id=iri("asset/", "asset_id"),
    operationalState=pl.col("status").str.strip_chars().str.to_lowercase().replace_strict(STATES, default=None),
    **{link: iri(path, column) for link, (_, column, _, path) in LINKS.items()},
)
quarantine = mapped.filter(pl.col("asset_id").is_null())
things = mapped.filter(pl.col("asset_id").is_not_null()).sort("id", "line")
known = {name: targets[name][0]["id"].implode() for name in targets}
scores = things.select(
    completeness=pl.struct(checked=pl.len(), passed=pl.col("operationalState").is_not_null().sum()),
    conformity=pl.struct(
        checked=pl.col("status").str.strip_chars().is_not_null().sum(),
        passed=pl.col("operationalState").is_not_null().sum(),
    ),
    validity=pl.struct(checked=pl.len(), passed=pl.col("asset_id").str.contains(r"^[A-Z]{2}-[A-Z0-9-]+$").sum()),
    **{
        link: pl.struct(checked=pl.col(link).is_not_null().sum(), passed=pl.col(link).is_in(known[target]).sum())
        for link, (_, _, target, _) in LINKS.items()
    },
).row(0, named=True)
report["assets"] = {"uniqueness": uniqueness(things), **scores}
report["assets"]["integrity"] = {
    "checked": sum(scores[link]["checked"] for link in LINKS),
    "passed": sum(scores[link]["passed"] for link in LINKS),
}
escaped = pl.col("asset_id").str.replace_all("\\", "\\\\", literal=True).str.replace_all('"', '\\"', literal=True)
objects = {
    TYPE: pl.lit(f"<{REGION}Asset>"),
    f"<{REGION}assetIdentifier>": pl.lit('"') + escaped + pl.lit('"'),
    f"<{REGION}operationalState>": term(REGION, "operationalState"),
    **{f"<{ns}{link}>": pl.lit("<") + pl.col(link) + pl.lit(">") for link, (ns, *_) in LINKS.items()},
}
totals["triples"] += write("assets", things, quarantine, objects)
totals["things"] += things.height

for slice_scores in report.values():
    for tally in slice_scores.values():
        tally["score"] = tally["passed"] / tally["checked"] if tally["checked"] else 1.0
with open(os.path.join(out, "report.json"), "w") as f:
    json.dump({**report, **totals}, f, indent=2)
print(json.dumps({**totals, "integrity": report["assets"]["integrity"]}))
