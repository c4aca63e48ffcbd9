#!/usr/bin/env python3
"""Load helpers for `Benchmarks/run.sh serve`.

  serve_load.py idle-health PORT N      hold N idle connections open, then time /healthz 21 times (median, max ms)
  serve_load.py goldmane-bodies DIR K M write K emitter bodies of M flows each (distinct times), Goldmane-shaped
  serve_load.py latency PORT PATH N    GET PATH N times, one after another on one kept-alive connection: median ms
                                        and bytes (a query's time with no process start, as DuckDB's in-process time)
"""
import http.client, json, os, socket, sys, time, urllib.request

def latency(port, path, n):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    ts, size = [], 0
    for _ in range(n):
        t0 = time.perf_counter()
        conn.request("GET", path)
        r = conn.getresponse()
        body = r.read()
        ts.append((time.perf_counter() - t0) * 1000)
        if r.status != 200:
            sys.exit(f"{path}: HTTP {r.status}: {body[:200]!r}")
        size = len(body)
    ts.sort()
    print(f"{ts[len(ts) // 2]:.1f} {size}")

def idle_health(port, n):
    held = [socket.create_connection(("127.0.0.1", port)) for _ in range(n)]
    ts = []
    for _ in range(21):
        t0 = time.perf_counter()
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10).read()
        ts.append((time.perf_counter() - t0) * 1000)
    ts.sort()
    print(f"{ts[10]:.1f} {ts[-1]:.1f}")
    for s in held:
        s.close()

def goldmane_bodies(out, k, m):
    os.makedirs(out, exist_ok=True)
    base = 1795392000
    for b in range(k):
        lines = []
        for i in range(m):
            src = f"client-{i % 97:02d}-7d4b9c6f8-*"; dst = f"server-{i % 53:02d}-5c8b7d9f4-*"
            reporter = 1 + (i % 2)
            pending = [{"kind": 10, "tier": "default", "action": 2, "rule_index": -1,
                        "trigger": {"kind": 4, "name": "default-deny", "tier": "default", "action": 2}}] if i % 5 == 0 else \
                      [{"kind": 3, "namespace": f"ns-{i % 7}", "name": "allow-app", "tier": "default", "action": 1}]
            key = {"source_name": src, "source_namespace": f"ns-{i % 7}", "source_type": 1, "dest_name": dst,
                   "dest_namespace": f"ns-{(i * 3) % 7}", "dest_type": 1, "dest_port": 8000 + i % 40, "proto": "tcp",
                   "reporter": reporter, "action": 1,
                   "policies": {"enforced_policies": [{"kind": 9, "name": f"kns.ns-{i % 7}", "action": 1}], "pending_policies": pending}}
            lines.append(json.dumps({"Key": key, "start_time": base + b * 300, "end_time": base + b * 300 + 300,
                                     "source_labels": [f"app=client-{i % 97}", "pod-template-hash=7d4b9c6f8"],
                                     "dest_labels": [f"app=server-{i % 53}"], "packets_in": 10 + i % 9, "packets_out": 12,
                                     "bytes_in": 1200 + i, "bytes_out": 900, "num_connections_started": 1, "num_connections_live": 1},
                                    separators=(",", ":")))
        with open(os.path.join(out, f"body-{b:03d}.ndjson"), "w") as f:
            f.write("\n".join(lines))

if sys.argv[1] == "idle-health":
    idle_health(int(sys.argv[2]), int(sys.argv[3]))
elif sys.argv[1] == "latency":
    latency(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
elif sys.argv[1] == "goldmane-bodies":
    goldmane_bodies(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
