#!/usr/bin/env python3
"""Collector benchmark: a writer appends flow-log lines while `flowq collect` tails them.
  1. full speed (3 runs, median): 1,000,000 lines appended as fast as possible; lines/s stored = lines / time
     until all stored.
  2. steady: 50,000 lines/s for 20 s; the lag is how long after a line was written it was stored (sampled
     every 0.25 s: the time at which the writer had written the stored count, compared to now).
Peak RSS of the collector (VmHWM) is read at the end of each run.
Usage: collect_bench.py FLOWQ SOURCE_LINES_FILE WORKDIR"""
import os, sqlite3, subprocess, sys, threading, time

flowq, source, work = sys.argv[1], sys.argv[2], sys.argv[3]
lines = open(source, "rb").read().splitlines(keepends=True)

def stored(db):
    try:
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=5)
        n = con.execute("SELECT coalesce(sum(lines), 0) FROM conn_hour").fetchone()[0]
        con.close()
        return n
    except sqlite3.Error:
        return 0

def peak_rss_mb(pid):
    for l in open("/proc/%d/status" % pid):
        if l.startswith("VmHWM:"):
            return int(l.split()[1]) / 1024
    return 0

def run(name, total, rate):
    d = os.path.join(work, name)
    os.makedirs(os.path.join(d, "node"), exist_ok=True)
    db = os.path.join(d, "c.db")
    for f in os.listdir(os.path.join(d, "node")):
        os.remove(os.path.join(d, "node", f))
    for f in ("c.db", "c.db-wal", "c.db-shm"):
        if os.path.exists(os.path.join(d, f)):
            os.remove(os.path.join(d, f))
    proc = subprocess.Popen([flowq, "collect", "--watch", os.path.join(d, "node") + "=node", "--db", db, "--poll-ms", "100",
                             "--log-level", "warning"])
    time.sleep(1.0)
    written_at = []  # (time, lines written so far)
    def writer():
        with open(os.path.join(d, "node", "flows.log"), "ab", buffering=1 << 20) as f:
            start = time.time()
            n = 0
            chunk = 5000 if rate is None else max(rate // 100, 1)
            while n < total:
                batch = [lines[(n + i) % len(lines)] for i in range(min(chunk, total - n))]
                f.write(b"".join(batch))
                f.flush()
                n += len(batch)
                written_at.append((time.time(), n))
                if rate is not None:
                    due = start + n / rate
                    if due > time.time():
                        time.sleep(due - time.time())
    t0 = time.time()
    w = threading.Thread(target=writer)
    w.start()
    lags = []
    while True:
        time.sleep(0.25)
        s = stored(db)
        now = time.time()
        # When had the writer written `s` lines?
        when = next((t for (t, n) in written_at if n >= s), None)
        if when is not None and s > 0:
            lags.append(now - when)
        if s >= total:
            break
        if now - t0 > 600:
            print("timeout: stored %d of %d" % (s, total))
            break
    elapsed = time.time() - t0
    w.join()
    rss = peak_rss_mb(proc.pid)
    proc.terminate()
    proc.wait()
    lags.sort()
    p50 = lags[len(lags) // 2] if lags else 0
    mx = lags[-1] if lags else 0
    if rate is None:
        print("%s: %d lines appended at full speed, all stored after %.2f s = %.0f lines/s; peak RSS %.0f MB" % (name, total, elapsed, total / elapsed, rss))
        return elapsed
    else:
        print("%s: %d lines at %d lines/s: lag p50 %.2f s, max %.2f s (sampled every 0.25 s); peak RSS %.0f MB" % (name, total, rate, p50, mx, rss))

times = sorted(run("full-speed", 1_000_000, None) for _ in range(3))
print("full speed: median %.2f s over 3 runs = %.0f lines/s" % (times[1], 1_000_000 / times[1]))
run("steady-50k", 1_000_000, 50_000)
