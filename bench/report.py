"""Prints bench/run's figures from what it measured in bench/out/, and keeps them in
bench/out/figures.json. Standard library only: it runs without the peers' venv."""

import json
import os
import re
import sys

rows, data, xlsx_rows = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
peers, repeat = sys.argv[4] == "true", int(sys.argv[5])
OUT = "bench/out"


def median(name):
    """The name of the median run of a command timed `repeat` times (NAME-1 … NAME-N)."""
    runs = sorted(range(1, repeat + 1), key=lambda i: measured(f"{name}-{i}")[0])
    return f"{name}-{runs[len(runs) // 2]}"


def measured(name):
    """Wall seconds and peak resident MB of a command run under /usr/bin/time -v."""
    text = open(os.path.join(OUT, f"{name}.time")).read()
    wall = re.search(r"Elapsed \(wall clock\) time.*: (.+)", text).group(1).strip()
    seconds = 0.0
    for part in wall.split(":"):
        seconds = seconds * 60 + float(part)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
    status = int(re.search(r"Exit status: (\d+)", text).group(1))
    return seconds, rss / 1024, status


def timings(name):
    """The phases `thinslice --timings` printed on stderr: label -> seconds."""
    phases = {}
    for line in open(os.path.join(OUT, f"{name}.stderr")):
        m = re.match(r"^  (.+?)\s{2,}([0-9.]+) s$", line.rstrip("\n"))
        if m:
            phases[m.group(1)] = phases.get(m.group(1), 0.0) + float(m.group(2))
    return phases


def row(label, value, note=""):
    print(f"  {label:<34}{value:>16}  {note}")


figures = {"rows": rows}
size = os.path.getsize(os.path.join(data, "assets.csv"))
run = median("thinslice")
seconds, rss, status = measured(run)
report = json.load(open(os.path.join(OUT, f"{run}.json")))
triples = sum(s.get("triples") or 0 for s in report["slices"])
phases = timings(run)
rdf_seconds = sum(v for k, v in phases.items() if k.startswith("writing RDF"))
figures["thinslice"] = {
    "seconds": seconds, "peak_rss_mb": rss, "exit": status, "triples": triples,
    "rdf_seconds": rdf_seconds, "phases": phases,
}
print(f"\nthinslice run, {rows:,} rows ({size / 1e6:,.0f} MB of CSV), exit {status}, median of {repeat}")
row("wall time", f"{seconds:,.2f} s")
row("rows/s", f"{rows / seconds:,.0f}")
row("triples", f"{triples:,}")
row("triples/s (whole job)", f"{triples / seconds:,.0f}")
if rdf_seconds:
    # The writer's thread runs beside reading and mapping: its wall time includes waiting
    # for a core while they run.
    row("RDF writing", f"{triples / rdf_seconds:,.0f}", f"triples/s ({rdf_seconds:.2f} s on its own thread, beside the rest; target >= 2,000,000)")
row("peak resident memory", f"{rss:,.0f} MB", "(target at 10M rows: <= 1,024 MB)")
print("  phases:")
for label, value in sorted(phases.items(), key=lambda kv: -kv[1]):
    print(f"    {label:<40}{value:>8.2f} s")

lookups = median("lookups")
l_seconds, l_rss, l_status = measured(lookups)
l_mapping = timings(lookups).get("mapping pumps", 0.0)
figures["lookups"] = {"seconds": l_seconds, "peak_rss_mb": l_rss, "exit": l_status,
                      "mapping_seconds": l_mapping}
print(f"\nthe same job, pumps reading a label part and a property through `fedBy`, exit {l_status}")
row("wall time", f"{l_seconds:,.2f} s", f"({l_seconds / seconds:.2f}x the job without)")
row("mapping pumps", f"{l_mapping:,.2f} s", f"(without: {phases.get('mapping pumps', 0.0):.2f} s)")
row("peak resident memory", f"{l_rss:,.0f} MB")

for name, what, target in [
    ("rdl-ontology", "500-class ontology + 500 SHACL shapes", 0.100),
    ("rdl-units", "3,000 QUDT-style units (2 MB of Turtle)", 1.0),
]:
    seconds_rdl, rss_rdl, status_rdl = measured(median(name))
    figures[name] = {"seconds": seconds_rdl, "peak_rss_mb": rss_rdl, "exit": status_rdl}
    print(f"\nloading an RDL: {what}, whole `thinslice rdl classes` command, exit {status_rdl}")
    row("wall time", f"{seconds_rdl:,.3f} s", f"(target < {target} s)")
    row("peak resident memory", f"{rss_rdl:,.0f} MB")

n_name = median("narrow")
n_seconds, n_rss, n_status = measured(n_name)
figures["narrow"] = {"seconds": n_seconds, "peak_rss_mb": n_rss, "exit": n_status}
print(f"\na narrow shape: every row, two of the twenty columns, a code map (bench/narrow), exit {n_status}")
row("wall time", f"{n_seconds:,.2f} s", f"{rows / n_seconds:,.0f} rows/s")
row("reading assets", f"{timings(n_name).get('reading assets', 0.0):,.2f} s")
row("peak resident memory", f"{n_rss:,.0f} MB")
if peers:
    pn_seconds, pn_rss, _ = measured(median("polars-narrow"))
    figures["narrow"].update({"polars_seconds": pn_seconds, "polars_peak_rss_mb": pn_rss})
    row("hand-written Python polars", f"{pn_seconds:,.2f} s", f"{pn_rss:,.0f} MB")
    row("  thinslice / polars", f"{n_seconds / pn_seconds:.2f}x", "(target <= 1.2x)")


def shape(name, title, phases_shown):
    """A job shape beside its hand-written polars peer (bench/peers/NAME.py, under --peers):
    wall time, things and triples, the phases that weigh most, and the ratio of the times.
    The two must make the same things and triples (and score the same links) to compare."""
    run = median(name)
    t_seconds, t_rss, t_status = measured(run)
    slices = json.load(open(os.path.join(OUT, f"{run}.json")))["slices"]
    things = sum(s.get("things") or 0 for s in slices)
    triples = sum(s.get("triples") or 0 for s in slices)
    integrity = sum(s["conformance"]["integrity"]["passed"] for s in slices)
    figures[name] = {"seconds": t_seconds, "peak_rss_mb": t_rss, "exit": t_status, "things": things,
                     "triples": triples}
    print(f"\n{title} (bench/{name}), exit {t_status}")
    row("wall time", f"{t_seconds:,.2f} s", f"{rows / t_seconds:,.0f} rows/s")
    row("things, triples", f"{things:,}", f"{triples:,} triples")
    shown = timings(run)
    for label in phases_shown:
        row(label, f"{shown.get(label, 0.0):,.2f} s")
    row("peak resident memory", f"{t_rss:,.0f} MB")
    if peers:
        p_run = median(f"polars-{name}")
        p_seconds, p_rss, _ = measured(p_run)
        peer = json.load(open(os.path.join(OUT, f"{p_run}.json")))
        figures[name].update({"polars_seconds": p_seconds, "polars_peak_rss_mb": p_rss})
        same = peer["things"] == things and peer["triples"] == triples
        if "integrity" in peer:
            same = same and peer["integrity"]["passed"] == integrity
        row("hand-written Python polars", f"{p_seconds:,.2f} s",
            f"{p_rss:,.0f} MB" + ("" if same else f"; NOT THE SAME WORK: {json.dumps(peer)}"))
        row("  thinslice / polars", f"{t_seconds / p_seconds:.2f}x", "(target <= 1.2x)")


shape("wide", "a wide shape: every row, nineteen of the twenty columns, a property from each",
      ["reading assets", "mapping assets", "writing RDF assets"])
shape("links", "a links shape: every row, three links, each to a slice of its own",
      ["reading assets", "mapping assets", "checking assets", "writing RDF assets"])

s_seconds, s_rss, s_status = measured(median("share"))
figures["share"] = {"seconds": s_seconds, "peak_rss_mb": s_rss, "exit": s_status}
print(f"\nthe same job, one sensitive property (the pumps' identifiers, and so their IRIs) pseudonymised, exit {s_status}")
row("wall time", f"{s_seconds:,.2f} s", f"({(s_seconds / seconds - 1) * 100:+.1f}% on the job without; target < +10%)")
row("peak resident memory", f"{s_rss:,.0f} MB")

e_run_seconds, e_run_rss, e_run_status = measured(median("export-run"))
e_name = median("export")
e_seconds, e_rss, e_status = measured(e_name)
exported = json.load(open(os.path.join(OUT, f"{e_name}.json")))
e_things = sum(e["rows"] for e in exported)
figures["export"] = {"things": e_things, "seconds": e_seconds, "peak_rss_mb": e_rss, "exit": e_status,
                     "run_seconds": e_run_seconds, "run_peak_rss_mb": e_run_rss}
print(f"\nexport: {e_things:,} things from Parquet back into the register's columns (CSV), exit {e_status}")
row("wall time", f"{e_seconds:,.2f} s", f"(run of the same {rows:,} rows: {e_run_seconds:,.2f} s; target: export <= run)")
row("things/s", f"{e_things / e_seconds:,.0f}")
row("peak resident memory", f"{e_rss:,.0f} MB", f"(run: {e_run_rss:,.0f} MB)")

if os.path.exists(os.path.join(OUT, "publish-1.time")):
    k_name = median("publish")
    k_seconds, k_rss, k_status = measured(k_name)
    published = sum(a["added"] for a in json.load(open(os.path.join(OUT, f"{k_name}.json"))))
    r_name = median("receive")
    r_seconds, r_rss, r_status = measured(r_name)
    received = json.load(open(os.path.join(OUT, f"{r_name}.json")))["receive"]["applied"]
    figures["kafka"] = {"published": published, "publish_seconds": k_seconds, "publish_peak_rss_mb": k_rss,
                        "publish_exit": k_status, "received": received, "receive_seconds": r_seconds,
                        "receive_peak_rss_mb": r_rss, "receive_exit": r_status}
    print(f"\nkafka: every thing published to a local broker (tansu, in memory) as RDF Patch, then received")
    row("publish (first: all added)", f"{k_seconds:,.2f} s", f"{published:,} things, {published / k_seconds:,.0f} things/s (target >= 100,000), exit {k_status}")
    row("  peak resident memory", f"{k_rss:,.0f} MB")
    row("receive (into a copy)", f"{r_seconds:,.2f} s", f"{received:,} messages, {received / r_seconds:,.0f} things/s, exit {r_status}")
    row("  peak resident memory", f"{r_rss:,.0f} MB")

xlsx_run = median("xlsx")
xlsx_seconds, xlsx_rss, _ = measured(xlsx_run)
xlsx_read = timings(xlsx_run).get("reading assets", xlsx_seconds)
figures["xlsx"] = {"rows": xlsx_rows, "read_seconds": xlsx_read, "command_seconds": xlsx_seconds}
print(f"\nxlsx sheet, {xlsx_rows:,} rows x 20 columns")
row("thinslice read", f"{xlsx_read:,.2f} s", f"(whole profile command {xlsx_seconds:.2f} s)")
c_name = median("calamine")
c_seconds, c_rss, _ = measured(c_name)
c_read = json.load(open(os.path.join(OUT, f"{c_name}.json")))["seconds"]
figures["xlsx"].update({"calamine_seconds": c_read, "calamine_command_seconds": c_seconds})
row("calamine alone (the floor)", f"{c_read:,.2f} s",
    f"(whole command {c_seconds:.2f} s, {c_rss:,.0f} MB; thinslice / calamine {xlsx_read / c_read:.2f}x)")
init_seconds, init_rss, init_status = measured(median("init"))
figures["init"] = {"rows": xlsx_rows, "seconds": init_seconds, "peak_rss_mb": init_rss, "exit": init_status}
row("thinslice init", f"{init_seconds:,.2f} s", f"(drafting a workspace from it, exit {init_status}; target < 3 s)")
row("  peak resident memory", f"{init_rss:,.0f} MB")

if peers:
    print("\npeers, same machine, same data")
    p_seconds, p_rss, p_status = measured(median("polars"))
    figures["polars"] = {"seconds": p_seconds, "peak_rss_mb": p_rss, "exit": p_status}
    row("hand-written Python polars", f"{p_seconds:,.2f} s", f"peak {p_rss:,.0f} MB")
    row("  thinslice / hand-written", f"{seconds / p_seconds:.2f}x", "(target <= 1.20x)")
    morph = json.load(open(os.path.join(OUT, "morph.json")))
    figures["morph_kgc"] = morph
    row("Morph-KGC, mapping only", f"{morph['seconds']:,.2f} s",
        f"{morph['triples']:,} triples, {morph['triples'] / morph['seconds']:,.0f} triples/s")
    row("  Morph-KGC / thinslice whole job", f"{morph['seconds'] / seconds:.2f}x")
    fl = json.load(open(os.path.join(OUT, "frictionless.json")))
    figures["frictionless"] = fl
    row("Frictionless, validation only", f"{fl['seconds']:,.2f} s", f"{fl['rows']:,} rows, {fl['errors']:,} errors")
    row("  Frictionless / thinslice whole job", f"{fl['seconds'] / seconds:.2f}x")
    op = json.load(open(os.path.join(OUT, "openpyxl.json")))
    figures["openpyxl"] = op
    row("openpyxl xlsx read", f"{op['seconds']:,.2f} s", f"{op['rows']:,} rows")
    row("  thinslice / openpyxl", f"{xlsx_read / op['seconds']:.3f}x", "(target <= 0.100x)")

with open(os.path.join(OUT, "figures.json"), "w") as f:
    json.dump(figures, f, indent=2)
