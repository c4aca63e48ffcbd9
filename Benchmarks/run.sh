#!/usr/bin/env bash
# flowq benchmarks: release build, medians, each against its baseline in the same run.
#   Benchmarks/run.sh ingest   # 1,000,000 v2 sample lines, plain and gz, vs a Python loader; peak RSS; store size
#   Benchmarks/run.sh query    # 10,000,000 lines: the issue's three queries vs jq over the same JSON lines
#   Benchmarks/run.sh report   # 10,000,000 lines: the readiness report; peak RSS
#   Benchmarks/run.sh collect  # flowq collect tailing a writer: 1M lines at full speed, then 50k lines/s; lag, RSS
#   Benchmarks/run.sh decode   # decode-benchmark: decoder and store stages alone
#   Benchmarks/run.sh loghost  # flowq collect on 20 node directories: catch-up, then the CPU of idle polling
# Data goes to $BENCH_DIR (default /tmp/flowq-bench); 10M lines take about 18 GB.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BENCH_DIR:-/tmp/flowq-bench}
mkdir -p "$dir"
swift build -c release --product flowq >/dev/null
flowq=$PWD/.build/release/flowq
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
secs() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }
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
    local sel='policies.pending_policies:*staged* and action:allow and dest_namespace:stars'
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
    local files; files=$(find "$dir/10m" -name flows.log | sort | tr '\n' ' ')
    # jq baselines over the same JSON lines (one run each: they take minutes).
    local t
    t=$(secs sh -c "cat $files | jq -c 'select(((.policies.pending_policies // []) | any(test(\"staged\"))) and .action == \"allow\" and .dest_namespace == \"stars\")' | head -1000")
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

case "${1:-all}" in
    ingest) ingest ;;
    query) query ;;
    report) report ;;
    collect) collect ;;
    decode) decode ;;
    loghost) loghost ;;
    all) ingest; query; report; collect ;;
    *) echo "usage: $0 ingest|query|report|collect|decode|loghost|all"; exit 2 ;;
esac
