"""Runs the peers on the benchmark's data and prints one JSON line per measurement.

  peers.py morph DATA OUT        Morph-KGC: the pumps mapping to N-Triples
  peers.py frictionless DATA     Frictionless: the pumps validated against a Table Schema
  peers.py openpyxl XLSX         openpyxl: every cell of the first sheet, read-only mode
  peers.py prepare DATA          the pumps slice as CSV (bench/data/pumps.csv), untimed

Each timing covers the tool's own work only, measured inside this process.
"""

import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def prepare(data):
    import polars as pl

    pumps = (
        pl.scan_csv(os.path.join(data, "assets.csv"), infer_schema=False)
        .filter(pl.col("asset_type").str.starts_with("PMP") | (pl.col("asset_type") == "PUMP"))
        .select(["asset_id", "asset_type", "description", "power_kw", "installed", "status", "site", "feeder"])
        .collect()
    )
    pumps.write_csv(os.path.join(data, "pumps.csv"))


def morph(data, out):
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(HERE, "mapping.rml.ttl")) as f:
        mapping = f.read().replace("PUMPS_CSV", os.path.join(data, "pumps.csv"))
    mapping_path = os.path.join(out, "mapping.rml.ttl")
    with open(mapping_path, "w") as f:
        f.write(mapping)
    output = os.path.join(out, "pumps.nt")
    config = (
        "[CONFIGURATION]\n"
        f"output_file={output}\n"
        "output_format=N-TRIPLES\n"
        "number_of_processes=2\n"
        "[pumps]\n"
        f"mappings={mapping_path}\n"
    )
    config_path = os.path.join(out, "config.ini")
    with open(config_path, "w") as f:
        f.write(config)
    # Its command line, as a user runs it; the time includes starting Python.
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "morph_kgc", config_path], check=True, capture_output=True)
    seconds = time.perf_counter() - start
    with open(output, "rb") as f:
        triples = sum(1 for _ in f)
    print(json.dumps({"tool": "morph-kgc", "seconds": seconds, "triples": triples}))


def frictionless(data):
    from frictionless import Package, Resource, Schema

    # Frictionless refuses absolute paths as unsafe: the schema is given as a dictionary and
    # the files are named from a base path.
    with open(os.path.join(HERE, "schema.json")) as f:
        schema = Schema.from_descriptor(json.load(f))
    package = Package(
        resources=[
            Resource(path="pumps.csv", name="pumps", schema=schema),
            Resource(path="substations.csv", name="substations"),
        ],
        basepath=os.path.abspath(data),
    )
    start = time.perf_counter()
    report = package.validate(limit_errors=10**9)
    seconds = time.perf_counter() - start
    if report.errors:
        sys.exit(f"frictionless could not validate: {report.errors[0].message}")
    errors = sum(len(task.errors) for task in report.tasks)
    rows = sum(task.stats.get("rows", 0) or 0 for task in report.tasks)
    print(json.dumps({"tool": "frictionless", "seconds": seconds, "rows": rows, "errors": errors}))


def openpyxl_read(path):
    import openpyxl

    start = time.perf_counter()
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    sheet = book.worksheets[0]
    rows = 0
    cells = 0
    for row in sheet.iter_rows(values_only=True):
        rows += 1
        cells += len(row)
    book.close()
    seconds = time.perf_counter() - start
    print(json.dumps({"tool": "openpyxl", "seconds": seconds, "rows": rows, "cells": cells}))


if __name__ == "__main__":
    verb = sys.argv[1]
    if verb == "prepare":
        prepare(sys.argv[2])
    elif verb == "morph":
        morph(sys.argv[2], sys.argv[3])
    elif verb == "frictionless":
        frictionless(sys.argv[2])
    elif verb == "openpyxl":
        openpyxl_read(sys.argv[2])
    else:
        sys.exit(f"unknown verb {verb}")
