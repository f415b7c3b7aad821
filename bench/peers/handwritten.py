"""The benchmark's job written by hand in Python polars: the speed-of-light proxy.

The same work as `thinslice run` on bench/workspace, written the way a careful engineer
would write it once, for this data only: cut the pumps out of the register, map them
(class from a code, IRI from a template, power in kW to W with units written in some
values, dates in two formats, a status code map, a link to the substations), score the five
dimensions, and write the slice, the things and the quarantine as Parquet and the triples as
N-Triples. Usage: handwritten.py DATA_DIR OUT_DIR
"""

import json
import os
import sys

import polars as pl

data, out = sys.argv[1], sys.argv[2]
for folder in ("slices", "entities", "quarantine", "rdf"):
    os.makedirs(os.path.join(out, folder), exist_ok=True)

RDL = "https://rdl.example.org/region#"
BASE = "https://data.example.org/bench/"
TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
XSD = "http://www.w3.org/2001/XMLSchema#"
COLUMNS = ["asset_id", "asset_type", "description", "power_kw", "installed", "status", "site", "feeder"]

# Slice: the pumps, with each row's line in the file.
assets = pl.scan_csv(os.path.join(data, "assets.csv"), infer_schema=False).with_row_index("line", offset=2)
pumps = (
    assets.filter(pl.col("asset_type").str.starts_with("PMP") | (pl.col("asset_type") == "PUMP"))
    .select(["line", *COLUMNS])
    .collect()
)
pumps.write_parquet(os.path.join(out, "slices", "pumps.parquet"))
substations = pl.read_csv(os.path.join(data, "substations.csv"), infer_schema=False)
substations.write_parquet(os.path.join(out, "slices", "substations.parquet"))

# Map.
number = pl.col("power_kw").str.extract(r"^\s*([-+]?[0-9][0-9.]*)\s*(kW|W|MW)?\s*$", 1).cast(pl.Float64)
unit = pl.col("power_kw").str.extract(r"^\s*([-+]?[0-9][0-9.]*)\s*(kW|W|MW)?\s*$", 2)
scale = pl.when(unit.is_null() | (unit == "kW")).then(1000.0).when(unit == "MW").then(1e6).otherwise(1.0)
installed = pl.coalesce(
    pl.col("installed").str.to_date("%d/%m/%Y", strict=False),
    pl.col("installed").str.to_date("%Y-%m-%d", strict=False),
)
status = pl.col("status").str.to_lowercase().replace_strict(
    {"in service": "InService", "oos": "OutOfService", "decommissioned": "Decommissioned"}, default=None
)
mapped = pumps.with_columns(
    id=pl.lit(BASE + "asset/") + pl.col("asset_id").str.replace_all(" ", "%20"),
    cls=pl.col("asset_type").replace_strict({"PMP": "Pump", "PUMP": "Pump"}, default=None),
    ratedPower=number * scale,
    installationDate=installed,
    operationalState=status,
    fedBy=pl.lit(BASE + "substation/") + pl.col("feeder"),
)
quarantine = mapped.filter(pl.col("cls").is_null() | pl.col("asset_id").is_null())
things = mapped.filter(pl.col("cls").is_not_null() & pl.col("asset_id").is_not_null()).sort("id", "line")
quarantine.write_parquet(os.path.join(out, "quarantine", "pumps.parquet"))
things.write_parquet(os.path.join(out, "entities", "pumps.parquet"))

# Check: the five dimensions, each a share of the values checked.
n = things.height
known_feeders = substations.select(id=pl.lit(BASE + "substation/") + pl.col("substation_id"))
scores = things.select(
    completeness=pl.col("ratedPower").is_not_null().mean(),
    validity=(
        (pl.col("ratedPower").is_not_null() & (pl.col("ratedPower") >= 0)).sum()
        + pl.col("installationDate").is_not_null().sum()
        + pl.col("asset_id").str.contains(r"^[A-Z]{2}-[A-Z0-9-]+$").sum()
    )
    / (pl.col("power_kw").is_not_null().sum() + pl.col("installed").is_not_null().sum() + n),
    conformity=pl.col("operationalState").is_not_null().sum() / pl.col("status").is_not_null().sum(),
    uniqueness=1.0 - pl.col("id").is_duplicated().sum() / n,
    integrity=pl.col("fedBy").is_in(known_feeders["id"].implode()).mean(),
).row(0, named=True)
with open(os.path.join(out, "report.json"), "w") as f:
    json.dump({"pumps": scores, "things": n, "quarantined": quarantine.height}, f, indent=2)

# N-Triples, one line per triple.
def literal(column, datatype=None):
    text = pl.col(column).cast(pl.String)
    escaped = text.str.replace_all("\\", "\\\\", literal=True).str.replace_all('"', '\\"', literal=True)
    suffix = f"^^<{XSD}{datatype}>" if datatype else ""
    return pl.lit('"') + escaped + pl.lit('"' + suffix)

subject = pl.lit("<") + pl.col("id") + pl.lit(">")
objects = {
    TYPE: pl.lit("<" + RDL) + pl.col("cls") + pl.lit(">"),
    LABEL: literal("description"),
    f"<{RDL}assetIdentifier>": literal("asset_id"),
    f"<{RDL}ratedPower>": literal("ratedPower", "decimal"),
    f"<{RDL}installationDate>": literal("installationDate", "date"),
    f"<{RDL}operationalState>": pl.lit("<" + RDL) + pl.col("operationalState") + pl.lit(">"),
    f"<{RDL}fedBy>": pl.lit("<") + pl.col("fedBy") + pl.lit(">"),
}
lines = pl.concat(
    [
        things.select(
            triple=pl.concat_str([subject, pl.lit(" " + predicate + " "), obj, pl.lit(" .")])
        ).drop_nulls()
        for predicate, obj in objects.items()
    ]
)
lines.write_csv(os.path.join(out, "rdf", "pumps.nt"), include_header=False, quote_style="never")
print(json.dumps({"things": n, "triples": lines.height}))
