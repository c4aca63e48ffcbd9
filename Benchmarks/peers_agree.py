#!/usr/bin/env python3
"""Whether flowq's output and DuckDB's answer (duckdb_peer.py) agree: prints "agree" or what differs."""
import json
import sys

name, flowq_path, duck_path = sys.argv[1:4]
flowq = open(flowq_path).read()
duck = json.loads(open(duck_path).read().split(" ", 2)[2])
if name in ("seed_count", "free_text"):
    ours, theirs = int(flowq.strip()), duck[0][0]
elif name == "selective_1000":
    ours = [[r["start_time"], r["source_name"], r["dest_name"]] for r in map(json.loads, flowq.splitlines())]
    theirs = duck
elif name == "grouped_seed":
    ours = [[g["source_name_aggr"], g["dest_name_aggr"], int(g["dest_port"]), g["lines"]] for g in json.loads(flowq)]
    theirs = duck
print("agree" if ours == theirs else f"DIFFER: flowq {str(ours)[:200]} vs DuckDB {str(theirs)[:200]}")
