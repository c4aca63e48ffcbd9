#!/usr/bin/env bash
# Regenerates SampleLogs/cluster with `flowq sample` (seeded: the same files every time). Each node gets a rotated
# file of 20 h in era v1-a (lumberjack's rotated name) and the active flows.log of the last 6 h in era v2. Policy
# hits, domains and labels come in a random order on every line, as Felix writes them.
set -euo pipefail
cd "$(dirname "$0")/.."
flowq=${FLOWQ:-.build/debug/flowq}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$flowq" sample --era v1-a --lines 900 --hours 20 --start 1795392000 --seed 3 --out "$tmp/rotated" >/dev/null
"$flowq" sample --era v2 --lines 900 --hours 6 --start 1795464000 --seed 2 --out "$tmp/active" >/dev/null
for dir in "$tmp"/rotated/*/; do
    node=$(basename "$dir")
    mkdir -p "SampleLogs/cluster/$node"
    mv "$tmp/rotated/$node/flows.log" "SampleLogs/cluster/$node/flows-2026-11-23T20-00-00.000.log"
    mv "$tmp/active/$node/flows.log" "SampleLogs/cluster/$node/flows.log"
done
echo "wrote $(cat SampleLogs/cluster/*/*.log | wc -l) lines to SampleLogs/cluster"
