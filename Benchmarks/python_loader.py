#!/usr/bin/env python3
"""Baseline for `flowq ingest`: a straightforward Python loader (json + sqlite3), one row per line,
the same indexed columns (time, host, namespaces, names, port, action, trace), one transaction per 8192 lines."""
import json, sqlite3, sys, os, time

COLS = ["start_time", "end_time", "host", "source_ip", "source_name", "source_name_aggr", "source_namespace",
        "source_port", "source_type", "source_labels", "dest_ip", "dest_name", "dest_name_aggr", "dest_namespace",
        "dest_port", "dest_type", "dest_labels", "dest_service_namespace", "dest_service_name", "dest_service_port",
        "dest_service_port_num", "dest_domains", "proto", "action", "reporter", "policies", "nat_outgoing_ports",
        "bytes_in", "bytes_out", "num_flows", "num_flows_started", "num_flows_completed", "packets_in", "packets_out",
        "process_name", "process_id", "process_args"]

def main(db, paths):
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("CREATE TABLE IF NOT EXISTS flow (id INTEGER PRIMARY KEY, %s)" % ", ".join(COLS))
    for name, cols in [("t", "start_time"), ("h", "host, start_time"), ("s", "source_namespace, source_name_aggr"),
                       ("d", "dest_namespace, dest_name_aggr, dest_port"), ("a", "action"), ("p", "policies")]:
        con.execute("CREATE INDEX IF NOT EXISTS i_%s ON flow(%s)" % (name, cols))
    sql = "INSERT INTO flow (%s) VALUES (%s)" % (", ".join(COLS), ", ".join("?" * len(COLS)))
    n = 0
    t0 = time.time()
    for path in paths:
        host = os.path.basename(os.path.dirname(path))
        batch = []
        with open(path, "rb") as f:
            for line in f:
                r = json.loads(line)
                r.setdefault("host", host)
                row = []
                for c in COLS:
                    v = r.get(c)
                    if isinstance(v, (dict, list)):
                        v = json.dumps(v)
                    row.append(v)
                batch.append(row)
                if len(batch) >= 8192:
                    with con:
                        con.executemany(sql, batch)
                    n += len(batch)
                    batch = []
        if batch:
            with con:
                con.executemany(sql, batch)
            n += len(batch)
    dt = time.time() - t0
    print("python loader: %d lines in %.2f s (%.0f lines/s)" % (n, dt, n / dt))

if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
