#!/usr/bin/env python3
"""DuckDB over the same flow-log lines as flowq: what an engineer would reach for instead.

    duckdb_peer.py load  LINES.ndjson DB      -> "load <seconds> <rows>"
    duckdb_peer.py query DB NAME RUNS         -> "<name> <median seconds> <answer>"
    duckdb_peer.py raw   LINES.ndjson RUNS    -> "raw_seed_count <median seconds> <answer>" (no load at all)

Times are measured inside one process (connection open, import and Python start not counted: DuckDB's best case).
The queries are the KQL of Benchmarks/run.sh peers written in DuckDB's SQL; answers are printed so that the
script can check that both tools agree.
"""
import json
import statistics
import sys
import time

import duckdb

# policies:{all_policies: *staged\:default-deny*} and action: "allow" -- the lines are era v2 (no all_policies key):
# flowq's all_policies view of such a line holds its enforced and pending hits and their legacy spelling
# (sgnp:default-deny is default.staged:default-deny).
SEED = """
    action = 'allow' AND len(list_filter(
        list_concat(coalesce(policies.enforced_policies, []), coalesce(policies.pending_policies, [])),
        lambda x: x LIKE '%staged:default-deny%' OR x LIKE '%|sgnp:default-deny|%')) > 0
"""
SELECTIVE = "dest_namespace = 'yaobank' AND dest_port = 2379 AND reporter = 'dst'"

QUERIES = {
    "seed_count": f"SELECT count(*) FROM flows WHERE {SEED}",
    # 1,000 rows, every field, as NDJSON (flowq prints its rows as NDJSON; DuckDB writes them with COPY).
    "selective_1000": f"COPY (SELECT * FROM flows WHERE {SELECTIVE} LIMIT 1000) TO '/dev/null' (FORMAT json)",
    "selective_1000_rows": f"SELECT start_time, source_name, dest_name FROM flows WHERE {SELECTIVE} LIMIT 1000",
    "grouped_seed": f"""SELECT source_name_aggr, dest_name_aggr, dest_port, count(*) AS n FROM flows WHERE {SEED}
                        GROUP BY ALL ORDER BY n DESC, 1, 2, 3""",
    "free_text": "SELECT count(*) FROM flows f WHERE CAST(f AS VARCHAR) LIKE '%legacy-api%'",
}


def timed(con, sql, runs):
    times, answer = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        answer = con.execute(sql).fetchall()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), answer


def main():
    mode = sys.argv[1]
    if mode == "load":
        lines, db = sys.argv[2], sys.argv[3]
        con = duckdb.connect(db)
        con.execute("SET threads = 2")
        t0 = time.perf_counter()
        con.execute(f"CREATE TABLE flows AS SELECT * FROM read_ndjson('{lines}', maximum_object_size = 16777216)")
        con.execute("CHECKPOINT")
        seconds = time.perf_counter() - t0
        print("load", f"{seconds:.3f}", con.execute("SELECT count(*) FROM flows").fetchone()[0])
    elif mode == "query":
        db, name, runs = sys.argv[2], sys.argv[3], int(sys.argv[4])
        con = duckdb.connect(db, read_only=True)
        con.execute("SET threads = 2")
        seconds, answer = timed(con, QUERIES[name], runs)
        if name == "selective_1000":
            _, answer = timed(con, QUERIES["selective_1000_rows"], 1)
        print(name, f"{seconds:.4f}", json.dumps(answer, separators=(",", ":")))
    elif mode == "raw":
        lines, runs = sys.argv[2], int(sys.argv[3])
        con = duckdb.connect()
        con.execute("SET threads = 2")
        sql = f"SELECT count(*) FROM read_ndjson('{lines}', maximum_object_size = 16777216) WHERE {SEED}"
        seconds, answer = timed(con, sql, runs)
        print("raw_seed_count", f"{seconds:.3f}", json.dumps(answer))


if __name__ == "__main__":
    main()
