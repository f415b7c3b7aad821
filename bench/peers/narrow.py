"""bench/narrow's job written by hand in Python polars: every asset, two columns.

The same work as `thinslice run` on bench/narrow: read the register's asset_id and status,
map each row to a thing (IRI from a template, the status through a code map), score
completeness, validity of the code, uniqueness of the IRI, and write the slice, the things
as Parquet and the triples as N-Triples. Usage: narrow.py DATA_DIR OUT_DIR
"""

import json
import os
import sys

import polars as pl

data, out = sys.argv[1], sys.argv[2]
for folder in ("slices", "entities", "rdf"):
    os.makedirs(os.path.join(out, folder), exist_ok=True)

RDL = "https://rdl.example.org/region#"
BASE = "https://data.example.org/bench/asset/"
TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"

rows = (
    pl.scan_csv(os.path.join(data, "assets.csv"), infer_schema=False)
    .with_row_index("line", offset=2)
    .select(["line", "asset_id", "status"])
    .collect()
)
rows.write_parquet(os.path.join(out, "slices", "assets.parquet"))
status = pl.col("status").str.to_lowercase().replace_strict(
    {"in service": "InService", "oos": "OutOfService", "decommissioned": "Decommissioned"}, default=None
)
things = (
    rows.filter(pl.col("asset_id").is_not_null())
    .with_columns(id=pl.lit(BASE) + pl.col("asset_id").str.replace_all(" ", "%20"), operationalState=status)
    .sort("id", "line")
)
things.write_parquet(os.path.join(out, "entities", "assets.parquet"))
n = things.height
scores = things.select(
    completeness=pl.col("operationalState").is_not_null().mean(),
    conformity=pl.col("operationalState").is_not_null().sum() / pl.col("status").is_not_null().sum(),
    validity=pl.col("asset_id").str.contains(r"^[A-Z]{2}-[A-Z0-9-]+$").mean(),
    uniqueness=1.0 - pl.col("id").is_duplicated().sum() / n,
).row(0, named=True)
with open(os.path.join(out, "report.json"), "w") as f:
    json.dump({"assets": scores, "things": n}, f, indent=2)

subject = pl.lit("<") + pl.col("id") + pl.lit(">")
escaped = pl.col("asset_id").str.replace_all("\\", "\\\\", literal=True).str.replace_all('"', '\\"', literal=True)
objects = {
    TYPE: pl.lit(f"<{RDL}Asset>"),
    f"<{RDL}assetIdentifier>": pl.lit('"') + escaped + pl.lit('"'),
    f"<{RDL}operationalState>": pl.lit("<" + RDL) + pl.col("operationalState") + pl.lit(">"),
}
lines = pl.concat(
    [
        things.select(triple=pl.concat_str([subject, pl.lit(" " + p + " "), o, pl.lit(" .")])).drop_nulls()
        for p, o in objects.items()
    ]
)
lines.write_csv(os.path.join(out, "rdf", "assets.nt"), include_header=False, quote_style="never")
print(json.dumps({"things": n, "triples": lines.height}))
