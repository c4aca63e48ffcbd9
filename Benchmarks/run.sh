#!/usr/bin/env bash
# flowq benchmarks: release build, medians, each against its baseline in the same run.
#   Benchmarks/run.sh ingest   # 1,000,000 v2 sample lines, plain and gz, vs a Python loader; peak RSS; store size
#   Benchmarks/run.sh query    # 10,000,000 lines: the issue's three queries vs jq over the same JSON lines
#   Benchmarks/run.sh report   # 10,000,000 lines: the readiness report; peak RSS
#   Benchmarks/run.sh collect  # flowq collect tailing a writer: 1M lines at full speed, then 50k lines/s; lag, RSS
#   Benchmarks/run.sh decode   # decode-benchmark: decoder and store stages alone
#   Benchmarks/run.sh loghost  # flowq collect on 20 node directories: catch-up, then the CPU of idle polling
#   Benchmarks/run.sh peers    # flowq and DuckDB (pip) on the same 1M messy lines: ingest, 4 queries (answers checked), report
#   Benchmarks/run.sh scale    # 100,000 distinct connections a day (pod churn): ingest, store size, report time and RSS
#   Benchmarks/run.sh backends # SQLite and PostgreSQL (a throwaway local server) on the same messy lines
#                              # (BACKENDS_LINES, default 1M; BACKENDS_RUNS ingests each, default 3): ingest, store
#                              # size, 6 queries (answers checked), report
#   Benchmarks/run.sh cluster  # 4 collectors (4 node directories, 1M messy lines each) into one PostgreSQL at once
#   Benchmarks/run.sh serve    # flowq serve on 10M lines: 64 clients (wrk) vs the CLI; /healthz under 200 idle
#                              # connections and a long query; then agents and goldmane:
#   Benchmarks/run.sh agents   # 4 agents shipping 1M messy lines each (AGENTS_LINES) to one server; CPU of each process
#   Benchmarks/run.sh goldmane # 20 Goldmane bodies of 10,000 flows, into the agents' store and 3 times into a new one
# Data goes to $BENCH_DIR (default /tmp/flowq-bench); 10M lines take about 18 GB.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BENCH_DIR:-/tmp/flowq-bench}
mkdir -p "$dir"
# As shipped (.deploy/Dockerfile): the Swift runtime linked in, which saves about 10 ms of start-up per command.
# A static Foundation links libcurl (the agents' HTTP client) from its -dev package.
dpkg-query -W -f='${Status}' libcurl4-openssl-dev 2>/dev/null | grep -q "install ok installed" || apt-get install -y -qq libcurl4-openssl-dev >/dev/null
swift build -c release --product flowq --static-swift-stdlib >/dev/null
flowq=$PWD/.build/release/flowq
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
# Wall seconds of a command (bash's clock: no `date` process around it, which added 2-3 ms to every time).
secs() { local t0 t1; t0=$EPOCHREALTIME; "$@" >/dev/null 2>&1 || true; t1=$EPOCHREALTIME; echo "$t1 - $t0" | bc -l; }
peak_rss_mb() { /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -1 | awk '{printf "%.0f", $1 / 1024}'; }

ingest() {
    local n=1000000
    [ -f "$dir/1m/flows.log" ] || "$flowq" sample --lines $n --era v2 --seed 1 --out "$dir/1m/flows.log" >/dev/null
    [ -f "$dir/1m-gz/flows.log.gz" ] || { mkdir -p "$dir/1m-gz"; gzip -c "$dir/1m/flows.log" > "$dir/1m-gz/flows.log.gz"; }
    local bytes; bytes=$(stat -c %s "$dir/1m/flows.log")
    echo "input: $n lines, $((bytes / 1048576)) MB plain, avg $((bytes / n)) B/line"
    for kind in plain gz; do
        local f="$dir/1m/flows.log"; [ $kind = gz ] && f="$dir/1m-gz/flows.log.gz"
        local ts=()
        for i in 1 2 3; do rm -f "$dir/i.db"*; ts+=("$(secs "$flowq" ingest "$f" --db "$dir/i.db")"); done
        local m; m=$(printf '%s\n' "${ts[@]}" | median)
        printf 'flowq ingest %-5s: median %.2f s over 3 runs = %.0f lines/s\n' $kind "$m" "$(echo "$n / $m" | bc -l)"
    done
    rm -f "$dir/i.db"*
    echo "flowq peak RSS (plain): $(peak_rss_mb "$flowq" ingest "$dir/1m/flows.log" --db "$dir/i.db") MB"
    echo "store size: $(( $(stat -c %s "$dir/i.db") / 1048576 )) MB = $(echo "100 * $(stat -c %s "$dir/i.db") / $bytes" | bc -l | cut -c1-4)% of the plain JSON"
    local ps=()
    for i in 1 2 3; do rm -f "$dir/py.db"*; ps+=("$(secs python3 Benchmarks/python_loader.py "$dir/py.db" "$dir/1m/flows.log")"); done
    local pm; pm=$(printf '%s\n' "${ps[@]}" | median)
    printf 'python loader      : median %.2f s over 3 runs = %.0f lines/s\n' "$pm" "$(echo "$n / $pm" | bc -l)"
}

big() {
    if [ ! -f "$dir/10m.db" ]; then
        [ -d "$dir/10m" ] || "$flowq" sample --lines 10000000 --era v2 --seed 10 --out "$dir/10m" >/dev/null
        "$flowq" ingest "$dir/10m" --db "$dir/10m.db"
    fi
}

query() {
    big
    local sel='dest_namespace:yaobank and dest_port:2379 and reporter:dst'
    local seed='policies:{all_policies: *staged\:default-deny*} and action: "allow"'
    local free='*legacy-api*'
    local ts=()
    for i in $(seq 1 21); do ts+=("$(secs "$flowq" query "$sel" --db "$dir/10m.db" --limit 1000 --format ndjson)"); done
    printf 'selective query (%s, 1000 rows): p50 %.3f s over 21 runs\n' "$sel" "$(printf '%s\n' "${ts[@]}" | median)"
    ts=()
    for i in 1 2 3 4 5; do ts+=("$(secs "$flowq" query "$seed" --db "$dir/10m.db" --count)"); done
    printf 'seed query --count (%s): median %.3f s over 5 runs, count %s\n' "$seed" "$(printf '%s\n' "${ts[@]}" | median)" "$("$flowq" query "$seed" --db "$dir/10m.db" --count)"
    ts=()
    for i in 1 2 3; do ts+=("$(secs "$flowq" query "$free" --db "$dir/10m.db" --count)"); done
    printf 'free-text wildcard --count (%s): median %.3f s over 3 runs\n' "$free" "$(printf '%s\n' "${ts[@]}" | median)"
    [ "${JQ:-0}" = 1 ] || { echo "(jq baselines skipped: JQ=1 runs them, 6 to 16 minutes each)"; return; }
    local files; files=$(find "$dir/10m" -name flows.log | sort | tr '\n' ' ')
    # jq baselines over the same JSON lines (one run each: they take minutes).
    local t
    t=$(secs sh -c "cat $files | jq -c 'select(.dest_namespace == \"yaobank\" and .dest_port == 2379 and .reporter == \"dst\")' | head -1000")
    printf 'jq selective (first 1000 rows): %.1f s\n' "$t"
    t=$(secs sh -c "cat $files | jq -c 'select(((.policies.all_policies // []) + (.policies.enforced_policies // []) + (.policies.pending_policies // []) | any(contains(\"staged:default-deny\") or contains(\"sgnp:default-deny\"))) and .action == \"allow\")' | wc -l")
    printf 'jq seed query count: %.1f s\n' "$t"
    t=$(secs sh -c "cat $files | jq -c 'select([.. | strings] | any(contains(\"legacy-api\")))' | wc -l")
    printf 'jq free-text count: %.1f s\n' "$t"
}

report() {
    big
    local ts=()
    for i in 1 2 3; do ts+=("$(secs "$flowq" report --db "$dir/10m.db" --format json --out "$dir/r.json")"); done
    printf 'report over 10M lines: median %.2f s over 3 runs\n' "$(printf '%s\n' "${ts[@]}" | median)"
    echo "report peak RSS: $(peak_rss_mb "$flowq" report --db "$dir/10m.db" --format json --out "$dir/r.json") MB"
}

collect() {
    [ -f "$dir/1m-nohost.log" ] || "$flowq" sample --lines 200000 --era v2 --seed 3 --out "$dir/nohost" >/dev/null
    [ -f "$dir/1m-nohost.log" ] || cat "$dir"/nohost/*/flows.log > "$dir/1m-nohost.log"
    python3 Benchmarks/collect_bench.py "$flowq" "$dir/1m-nohost.log" "$dir/collect"
}

loghost() {
    # A log host: 20 node directories, each with 10 rotated .zst files and an active file (110,000 lines).
    local d="$dir/loghost"
    if [ ! -d "$d/nodes" ]; then
        mkdir -p "$d"
        "$flowq" sample --lines 5500 --era v2 --seed 5 --out "$d/src.log" >/dev/null
        for n in $(seq -w 1 20); do
            local nd="$d/nodes/node-$n"; mkdir -p "$nd"
            for k in $(seq 0 9); do
                sed -n "$((k * 500 + 1)),$((k * 500 + 500))p" "$d/src.log" | sed "s/^{/{\"n\":\"$n-$k\",/" > "$nd/flows-2026-11-25T0$k-00-00.000.log"
                zstd -q --rm "$nd/flows-2026-11-25T0$k-00-00.000.log"
            done
            sed -n "5001,5500p" "$d/src.log" | sed "s/^{/{\"n\":\"$n-a\",/" > "$nd/flows.log"
        done
        sleep 6  # older than the 5 s after which a compressed file counts as settled
    fi
    rm -f "$d"/c.db*
    local args=(); for nd in "$d"/nodes/*; do args+=(--watch "$nd=$(basename "$nd")"); done
    "$flowq" collect "${args[@]}" --db "$d/c.db" --poll-ms 250 --log-level warning &
    local pid=$! n=0 t0 t1 start; start=$(date +%s.%N)
    for _ in $(seq 1 240); do
        sleep 0.25
        n=$(sqlite3 "$d/c.db" "SELECT count(*) FROM flow" 2>/dev/null || echo 0)
        [ "$n" = 110000 ] && break
    done
    printf 'log host catch-up: %s lines stored in %.1f s\n' "$n" "$(echo "$(date +%s.%N) - $start" | bc -l)"
    sleep 2
    t0=$(awk '{print $14 + $15}' /proc/$pid/stat); sleep 10; t1=$(awk '{print $14 + $15}' /proc/$pid/stat)
    printf 'idle polling (220 finished files, every 250 ms): %.2f s of CPU per 10 s\n' "$(echo "($t1 - $t0) / $(getconf CLK_TCK)" | bc -l)"
    kill $pid; wait $pid 2>/dev/null || true
}

decode() {
    FLOWQ_BENCHMARKS=1 swift build -c release --product decode-benchmark >/dev/null
    [ -f "$dir/1m/flows.log" ] || "$flowq" sample --lines 1000000 --era v2 --seed 1 --out "$dir/1m/flows.log" >/dev/null
    head -200000 "$dir/1m/flows.log" > "$dir/200k.log"
    .build/release/decode-benchmark "$dir/200k.log" 3
}

ms() { echo "$1 * 1000" | bc -l | xargs printf '%.0f'; }

# flowq and DuckDB on the same lines, in the same run. Lines: `flowq sample` era v2 in Felix's random list order
# (and the same lines tidy, for ingest), one file with fluentd's host key. DuckDB times are measured inside its
# process (its best case: no start-up); flowq's are whole processes.
peers() {
    python3 -c 'import duckdb' 2>/dev/null || python3 -m pip install -q duckdb
    local n=${PEERS_LINES:-1000000} d="$dir/peers"
    mkdir -p "$d"
    for shape in felix tidy; do
        [ -f "$d/$shape.log" ] || "$flowq" sample --lines "$n" --era v2 --seed 7 --shape "$shape" --out "$d/$shape.log" >/dev/null
    done
    [ -f "$d/felix.log.gz" ] || gzip -1 -c "$d/felix.log" > "$d/felix.log.gz"
    local bytes; bytes=$(stat -c %s "$d/felix.log")
    echo "input: $n lines (era v2, lists in Felix's random order), $((bytes / 1048576)) MB, $((bytes / n)) B/line; DuckDB $(python3 -c 'import duckdb; print(duckdb.__version__)'), 2 threads"
    local ts m fi
    for kind in felix tidy gz; do
        local f="$d/felix.log"; [ $kind = tidy ] && f="$d/tidy.log"; [ $kind = gz ] && f="$d/felix.log.gz"
        ts=(); for i in 1 2 3; do rm -f "$d/f.db"*; ts+=("$(secs "$flowq" ingest "$f" --db "$d/f.db")"); done
        m=$(printf '%s\n' "${ts[@]}" | median)
        printf 'flowq ingest (%-5s): median %.2f s = %.0f lines/s\n' $kind "$m" "$(echo "$n / $m" | bc -l)"
        [ $kind = felix ] && fi=$m
    done
    rm -f "$d/f.db"*
    echo "flowq ingest peak RSS: $(peak_rss_mb "$flowq" ingest "$d/felix.log" --db "$d/f.db") MB; store $(( $(stat -c %s "$d/f.db") / 1048576 )) MB = $(echo "100 * $(stat -c %s "$d/f.db") / $bytes" | bc -l | cut -c1-4)% of the JSON"
    ts=(); for i in 1 2 3; do rm -f "$d/duck.db"*; ts+=("$(python3 Benchmarks/duckdb_peer.py load "$d/felix.log" "$d/duck.db" | awk '{print $2}')"); done
    m=$(printf '%s\n' "${ts[@]}" | median)
    printf 'DuckDB CREATE TABLE AS read_ndjson: median %.2f s = %.0f rows/s; file %s MB = %s%% of the JSON; flowq is %.1fx faster\n' \
        "$m" "$(echo "$n / $m" | bc -l)" "$(( $(stat -c %s "$d/duck.db") / 1048576 ))" "$(echo "100 * $(stat -c %s "$d/duck.db") / $bytes" | bc -l | cut -c1-4)" "$(echo "$m / $fi" | bc -l)"
    "$flowq" query "" --db "$d/f.db" --count >/dev/null  # the store is ready (WAL checkpointed by the first reader)
    local seed='policies:{all_policies: *staged\:default-deny*} and action: "allow"'
    local sel='dest_namespace:yaobank and dest_port:2379 and reporter:dst'
    local names=(seed_count selective_1000 grouped_seed free_text)
    local args=()
    for q in "${names[@]}"; do
        case $q in
            seed_count) args=(query "$seed" --count) ;;
            selective_1000) args=(query "$sel" --format ndjson --limit 1000) ;;  # every field, as DuckDB's COPY writes
            grouped_seed) args=(query "$seed" --group-by source_name_aggr,dest_name_aggr,dest_port --format json --limit 0) ;;
            free_text) args=(query '*legacy-api*' --count) ;;
        esac
        ts=(); for i in 1 2 3 4 5 6 7; do ts+=("$(secs "$flowq" "${args[@]}" --db "$d/f.db")"); done
        local fm; fm=$(printf '%s\n' "${ts[@]}" | median)
        if [ $q = selective_1000 ]; then args+=(--fields start_time,source_name,dest_name); fi  # to compare
        "$flowq" "${args[@]}" --db "$d/f.db" > "$d/flowq-$q.out"
        python3 Benchmarks/duckdb_peer.py query "$d/duck.db" "$q" 7 > "$d/duck-$q.out"
        local dm; dm=$(awk '{print $2}' "$d/duck-$q.out")
        local agree; agree=$(python3 Benchmarks/peers_agree.py "$q" "$d/flowq-$q.out" "$d/duck-$q.out")
        printf '%-15s flowq %5s ms   DuckDB %5s ms   DuckDB/flowq %.2fx   answers: %s\n' "$q" "$(ms "$fm")" "$(ms "$dm")" "$(echo "$dm / $fm" | bc -l)" "$agree"
    done
    # The same 1,000 rows from a running `flowq serve` (no answer cache): a query's time without a process start,
    # in DuckDB's terms (its times are taken inside one Python process).
    "$flowq" serve --db "$d/f.db" --listen 127.0.0.1:0 --cache-mb 0 >"$d/serve.log" 2>&1 &
    local spid=$! sport; sport=$(served_port "$d/serve.log")
    python3 Benchmarks/serve_load.py latency "$sport" "/api/v1/flows?q=$(enc "$sel")&limit=1000&format=ndjson" 21 |
        awk '{printf "selective_1000 from flowq serve (no process start, no cache): median %s ms, %d bytes\n", $1, $2}'
    kill $spid; wait $spid || true
    python3 Benchmarks/duckdb_peer.py raw "$d/felix.log" 3 | awk '{printf "DuckDB seed count straight from the NDJSON (no load): %.2f s\n", $2}'
    ts=(); for i in 1 2 3; do ts+=("$(secs "$flowq" report --db "$d/f.db" --format json --out "$d/r.json")"); done
    printf 'flowq report (no DuckDB equivalent): median %.2f s, peak RSS %s MB\n' "$(printf '%s\n' "${ts[@]}" | median)" \
        "$(peak_rss_mb "$flowq" report --db "$d/f.db" --format json --out "$d/r.json")"
}

# A cluster with pod churn: 550 service connections whose two sides' ReplicaSets roll every 30 minutes, each at
# its own moment, over 24 h, on top of the lab: 103,915 distinct connections (both reporting sides) in the day.
scale() {
    local n=${SCALE_LINES:-2000000} conns=${SCALE_CONNECTIONS:-550}
    local d="$dir/scale-$conns"
    mkdir -p "$d"
    [ -d "$d/logs" ] || "$flowq" sample --lines "$n" --era v2 --seed 11 --connections "$conns" --churn 30m --hours 24 --out "$d/logs" >/dev/null
    local bytes; bytes=$(du -sb "$d/logs" | awk '{print $1}')
    rm -f "$d/s.db"*
    local t; t=$(secs "$flowq" ingest "$d/logs" --db "$d/s.db")
    printf 'ingest %s lines: %.2f s = %.0f lines/s; store %s MB = %s%% of the JSON\n' "$n" "$t" "$(echo "$n / $t" | bc -l)" \
        "$(( $(stat -c %s "$d/s.db") / 1048576 ))" "$(echo "100 * $(stat -c %s "$d/s.db") / $bytes" | bc -l | cut -c1-4)"
    echo "distinct connections: $(sqlite3 "$d/s.db" 'SELECT count(*) FROM conn'), endpoints: $(sqlite3 "$d/s.db" 'SELECT count(*) FROM endpoint'), roll-up rows: $(sqlite3 "$d/s.db" 'SELECT count(*) FROM conn_hour')"
    rm -f "$d/s2.db"*
    echo "ingest peak RSS: $(peak_rss_mb "$flowq" ingest "$d/logs" --db "$d/s2.db") MB"
    local ts=(); for i in 1 2 3; do ts+=("$(secs "$flowq" report --db "$d/s.db" --format json --out "$d/r.json")"); done
    printf 'report: median %.2f s, peak RSS %s MB\n' "$(printf '%s\n' "${ts[@]}" | median)" "$(peak_rss_mb "$flowq" report --db "$d/s.db" --format json --out "$d/r.json")"
}

# A text as a URL query value.
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }

# The port a `flowq serve` log says it bound.
served_port() { for _ in $(seq 1 100); do grep -o 'address=[^ ]*:[0-9]* \[flowq\] listening' "$1" 2>/dev/null | head -1 | sed 's/.*:\([0-9]*\) .*/\1/' | grep . && return; sleep 0.1; done; }

# Node agents: 4 node directories of 1M messy lines each (AGENTS_LINES), shipped at once to one server; then one
# `flowq ingest` of one node's file in the same minutes, the machine's speed to compare with.
agents() {
    local n=${AGENTS_LINES:-1000000} pid port
    local d="$dir/agents"; [ "$n" = 1000000 ] || d="$dir/agents-$n"
    for k in 0 1 2 3; do
        [ -f "$d/node-$k/flows.log" ] || "$flowq" sample --lines $n --era v2 --seed $((20 + k)) --shape felix --out "$d/node-$k/flows.log" >/dev/null
    done
    rm -f "$dir/agents.db"* "$dir/agents-serve.log"
    "$flowq" serve --db "$dir/agents.db" --listen 127.0.0.1:0 >"$dir/agents-serve.log" 2>&1 &
    pid=$!
    port=$(served_port "$dir/agents-serve.log")
    local t0 t1 pids=()
    t0=$(date +%s.%N)
    for k in 0 1 2 3; do "$flowq" collect --watch "$d/node-$k=node-$k" --ship-to "http://127.0.0.1:$port" --log-level warning & pids+=($!); done
    while [ "$(sqlite3 "$dir/agents.db" 'SELECT coalesce(sum(lines), 0) FROM source_file' 2>/dev/null || echo 0)" -lt $((4 * n)) ]; do sleep 0.2; done
    t1=$(date +%s.%N)
    for p in "${pids[@]}" $pid; do printf '  CPU of %s: %.1f s (user %.1f, system %.1f)\n' "$(tr '\0' ' ' < /proc/$p/cmdline | cut -d' ' -f2)" $(awk '{print ($14 + $15) / 100, $14 / 100, $15 / 100}' /proc/$p/stat); done
    kill "${pids[@]}"; wait "${pids[@]}" || true
    printf '4 agents x %s lines: %.1f s = %.0f lines/s stored; flows in the store: %s\n' "$n" \
        "$(echo "$t1 - $t0" | bc -l)" "$(echo "4 * $n / ($t1 - $t0)" | bc -l)" "$(sqlite3 "$dir/agents.db" 'SELECT count(*) FROM flow')"
    kill $pid; wait $pid || true
    rm -f "$dir/agents-ingest.db"*
    printf 'flowq ingest of one node file in the same minutes: %.1f s\n' "$(secs "$flowq" ingest "$d/node-0/flows.log" --db "$dir/agents-ingest.db")"
}

# Goldmane: 20 bodies of 10,000 flows posted one after the other, 3 times into a new store (median); from serve,
# first into the store the agents just filled.
goldmane() {
    [ -d "$dir/goldmane" ] || python3 Benchmarks/serve_load.py goldmane-bodies "$dir/goldmane" 20 10000
    local pid port t0 t1 rates=() db
    for db in agents goldmane-1 goldmane-2 goldmane-3; do
        [ $db = agents ] && [ "${1:-}" != after-agents ] && continue
        [ $db != agents ] && rm -f "$dir/$db.db"*
        "$flowq" serve --db "$dir/$db.db" --listen 127.0.0.1:0 >"$dir/goldmane-serve.log" 2>&1 &
        pid=$!
        port=$(served_port "$dir/goldmane-serve.log")
        t0=$(date +%s.%N)
        for f in "$dir"/goldmane/*.ndjson; do curl -s -o /dev/null --data-binary "@$f" -H 'Content-Type: application/x-ndjson' "http://127.0.0.1:$port/api/v1/flows/bulk"; done
        t1=$(date +%s.%N)
        kill $pid; wait $pid || true
        local rate; rate=$(echo "200000 / ($t1 - $t0)" | bc -l)
        if [ $db = agents ]; then printf 'Goldmane bulk into the agents store: %.0f flows/s\n' "$rate"; else rates+=("$rate"); fi
    done
    printf 'Goldmane bulk into a new store: %s flows/s; median %.0f\n' "$(printf '%.0f ' "${rates[@]}")" "$(printf '%s\n' "${rates[@]}" | median)"
}

serve() {
    big
    command -v wrk >/dev/null || { echo "serve needs wrk (apt-get install wrk)"; exit 2; }
    local sel='dest_namespace:yaobank and dest_port:2379 and reporter:dst'
    local seed='policies:{all_policies: *staged\:default-deny*} and action: "allow"'
    local ts=()
    for i in $(seq 1 11); do ts+=("$(secs "$flowq" query "$seed" --db "$dir/10m.db" --count)"); done
    printf 'CLI seed count: median %.1f ms\n' "$(echo "$(printf '%s\n' "${ts[@]}" | median) * 1000" | bc -l)"
    ts=(); for i in $(seq 1 11); do ts+=("$(secs "$flowq" query "$sel" --db "$dir/10m.db" --limit 1000 --format ndjson)"); done
    printf 'CLI selective 1,000 rows NDJSON: median %.1f ms\n' "$(echo "$(printf '%s\n' "${ts[@]}" | median) * 1000" | bc -l)"
    rm -f "$dir/serve.log"
    "$flowq" serve --db "$dir/10m.db" --listen 127.0.0.1:0 --max-queries 8 >"$dir/serve.log" 2>&1 &
    local pid=$!
    local port; port=$(served_port "$dir/serve.log")
    for path in "/api/v1/count?q=$(enc "$seed")" "/api/v1/flows?q=$(enc "$sel")&limit=1000"; do
        curl -s "http://127.0.0.1:$port$path" >/dev/null
        echo "wrk -t2 -c64 -d15s $path"
        wrk -t2 -c64 -d15s --latency "http://127.0.0.1:$port$path" | grep -E 'Latency|50%|99%|Requests/sec|Non-2xx|Socket errors|requests in'
    done
    # The same page with the answer cache off (every request runs the query).
    "$flowq" serve --db "$dir/10m.db" --listen 127.0.0.1:0 --max-queries 8 --cache-mb 0 >"$dir/serve-nocache.log" 2>&1 &
    local nocache=$!
    local port2; port2=$(served_port "$dir/serve-nocache.log")
    echo "wrk -t2 -c64 -d15s /api/v1/flows?q=...&limit=1000 (--cache-mb 0)"
    wrk -t2 -c64 -d15s --latency "http://127.0.0.1:$port2/api/v1/flows?q=$(enc "$sel")&limit=1000" | grep -E 'Latency|50%|99%|Requests/sec|Non-2xx|Socket errors|requests in'
    kill $nocache; wait $nocache || true
    echo "/healthz with 200 idle connections (median, max ms): $(python3 Benchmarks/serve_load.py idle-health "$port" 200)"
    curl -s -o /dev/null "http://127.0.0.1:$port/api/v1/flows?q=$(enc '*zz-no-such-text*')&limit=0" &
    local slow=$!
    sleep 0.5
    echo "/healthz during a full-text scan of 10M lines (median, max ms): $(python3 Benchmarks/serve_load.py idle-health "$port" 0)"
    wait $slow || true
    kill $pid; wait $pid || true
    agents
    goldmane after-agents
}

# A throwaway PostgreSQL server (its own data directory, loopback, a free port) unless $FLOWQ_BENCH_POSTGRES names one.
bench_postgres() {
    if [ -n "${FLOWQ_BENCH_POSTGRES:-}" ]; then echo "$FLOWQ_BENCH_POSTGRES"; return; fi
    local bin as=() pd="$dir/pg" port
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    [ "$(id -u)" -eq 0 ] && as=(runuser -u postgres --)
    rm -rf "$pd"; mkdir -p "$pd"; [ "$(id -u)" -eq 0 ] && chown postgres "$pd"
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "${as[@]}" "$bin/initdb" -D "$pd/data" -A trust -U flowq >/dev/null
    "${as[@]}" "$bin/pg_ctl" -D "$pd/data" -l "$pd/log" -w -o "-p $port -k $pd -c listen_addresses=127.0.0.1 -c shared_buffers=512MB -c max_wal_size=4GB -c checkpoint_timeout=15min" start >/dev/null
    echo "postgres://flowq@127.0.0.1:$port/postgres?sslmode=disable"
}

backends() {
    local n=${BACKENDS_LINES:-1000000} d="$dir/backends" server url
    mkdir -p "$d"
    local log="$d/felix-$n.log"
    [ -f "$log" ] || "$flowq" sample --lines "$n" --era v2 --seed 7 --shape felix --out "$log" >/dev/null
    server=$(bench_postgres)
    fresh() { psql "$server" -qXc "DROP DATABASE IF EXISTS flowq_bench" -c "CREATE DATABASE flowq_bench" >/dev/null; }
    url=${server%/*}/flowq_bench?sslmode=disable
    echo "input: $n lines (era v2, messy), $(( $(stat -c %s "$log") / 1048576 )) MB; PostgreSQL $(psql "$server" -AtXc 'SHOW server_version'), local, fsync on"
    local ts m runs=${BACKENDS_RUNS:-3} i
    ts=(); for i in $(seq 1 "$runs"); do rm -f "$d/s.db"*; ts+=("$(secs "$flowq" ingest "$log" --db "$d/s.db")"); done
    m=$(printf '%s\n' "${ts[@]}" | median); printf 'SQLite ingest:     median %.2f s = %.0f lines/s; store %s MB\n' "$m" "$(echo "$n / $m" | bc -l)" "$(( $(stat -c %s "$d/s.db") / 1048576 ))"
    ts=(); for i in $(seq 1 "$runs"); do fresh; ts+=("$(secs "$flowq" ingest "$log" --db "$url")"); done
    m=$(printf '%s\n' "${ts[@]}" | median); printf 'PostgreSQL ingest: median %.2f s = %.0f lines/s; database %s MB\n' "$m" "$(echo "$n / $m" | bc -l)" \
        "$(( $(psql "$url" -AtXc 'SELECT pg_database_size(current_database())') / 1048576 ))"
    psql "$url" -qXc "VACUUM ANALYZE" >/dev/null
    local seed='policies:{all_policies: *staged\:default-deny*} and action: "allow"'
    local sel='dest_namespace:yaobank and dest_port:2379 and reporter:dst'
    for q in seed_count selective_1000 sorted_1000 newest_1000 grouped_seed free_text report; do
        local args=()
        case $q in
            seed_count) args=(query "$seed" --count) ;;
            selective_1000) args=(query "$sel" --format ndjson --limit 1000) ;;
            sorted_1000) args=(query "$sel" --format ndjson --limit 1000 --sort source_namespace) ;;
            newest_1000) args=(query "$sel" --format ndjson --limit 1000 --sort start_time:desc) ;;
            grouped_seed) args=(query "$seed" --group-by source_name_aggr,dest_name_aggr,dest_port --format json --limit 0) ;;
            free_text) args=(query '*legacy-api*' --count) ;;
            report) args=(report --format json) ;;
        esac
        local sm pm
        ts=(); for i in 1 2 3 4 5; do ts+=("$(secs "$flowq" "${args[@]}" --db "$d/s.db")"); done; sm=$(printf '%s\n' "${ts[@]}" | median)
        ts=(); for i in 1 2 3 4 5; do ts+=("$(secs "$flowq" "${args[@]}" --db "$url")"); done; pm=$(printf '%s\n' "${ts[@]}" | median)
        local same=differ
        if [ $q = report ]; then
            cmp -s <("$flowq" "${args[@]}" --db "$d/s.db" | grep -v generated_at) <("$flowq" "${args[@]}" --db "$url" | grep -v generated_at) && same=same
        else
            cmp -s <("$flowq" "${args[@]}" --db "$d/s.db") <("$flowq" "${args[@]}" --db "$url") && same=same
        fi
        printf '%-15s SQLite %6s ms   PostgreSQL %6s ms   answers: %s\n' "$q" "$(ms "$sm")" "$(ms "$pm")" "$same"
    done
}

# Four nodes' collectors (`flowq collect`, each its own node name and directory of 1M messy lines) into one
# PostgreSQL on this machine, started together; the clock stops when every line is checkpointed. Then every line
# is counted once.
cluster() {
    local n=${CLUSTER_LINES:-1000000} runs=${CLUSTER_RUNS:-3} d="$dir/cluster" server url k r ts=() stored_all=()
    mkdir -p "$d"
    for k in 1 2 3 4; do
        [ -f "$d/node-$k/flows.log" ] || "$flowq" sample --lines "$n" --era v2 --seed "$((20 + k))" --shape felix --out "$d/node-$k/flows.log" >/dev/null
    done
    cat "$d"/node-*/flows.log > /dev/null  # in the page cache, as a node's fresh log would be
    server=$(bench_postgres)
    url=${server%/*}/flowq_cluster?sslmode=disable
    echo "input: 4 nodes x $n lines (era v2, messy), $(( $(stat -c %s "$d/node-1/flows.log") * 4 / 1048576 )) MB; PostgreSQL $(psql "$server" -AtXc 'SHOW server_version') on this machine, fsync on"
    for r in $(seq 1 "$runs"); do
        psql "$server" -qXc "DROP DATABASE IF EXISTS flowq_cluster" -c "CREATE DATABASE flowq_cluster" >/dev/null 2>&1
        "$flowq" query --db "$url" --count >/dev/null  # the schema, once
        local t0 t1 stored=0 pids=(); t0=$(date +%s.%N)
        for k in 1 2 3 4; do
            FLOWQ_NODE=node-$k "$flowq" collect --watch "$d/node-$k=node-$k" --db "$url" --poll-ms 100 --log-level warning &
            pids+=($!)
        done
        while [ "$stored" -lt $((4 * n)) ]; do
            sleep 0.5
            stored=$(psql "$url" -AtXc "SELECT coalesce(sum(lines), 0) FROM source_file" 2>/dev/null || echo 0)
        done
        t1=$(date +%s.%N)
        kill "${pids[@]}"; wait "${pids[@]}" 2>/dev/null || true
        ts+=("$(echo "$t1 - $t0" | bc -l)")
        stored_all+=("$(psql "$url" -AtXc 'SELECT count(*) FROM flow')")
        printf '  run %s: %.1f s\n' "$r" "${ts[-1]}"
    done
    local m; m=$(printf '%s\n' "${ts[@]}" | median)
    printf '4 collectors into PostgreSQL: median %.1f s over %s runs = %.0f lines/s together; lines stored per run: %s (expected %s)\n' \
        "$m" "$runs" "$(echo "4 * $n / $m" | bc -l)" "${stored_all[*]}" $((4 * n))
}

case "${1:-all}" in
    ingest) ingest ;;
    query) query ;;
    report) report ;;
    collect) collect ;;
    decode) decode ;;
    loghost) loghost ;;
    peers) peers ;;
    scale) scale ;;
    serve) serve ;;
    agents) agents ;;
    goldmane) goldmane ;;
    backends) backends ;;
    cluster) cluster ;;
    all) ingest; query; report; collect ;;
    *) echo "usage: $0 ingest|query|report|collect|decode|loghost|peers|scale|serve|agents|goldmane|backends|cluster|all"; exit 2 ;;
esac
