#!/usr/bin/env bash
# Renders the HTML readiness report of SampleLogs in headless Chromium (Debian's package) and checks that the
# connection graph and the timeline are drawn: the screenshot must not be blank, and the SVGs must be present.
# Usage: Tests/scripts/html-screenshot.sh [OUT.png]
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-.build/report-screenshot.png}
command -v chromium >/dev/null || { echo "html-screenshot: no chromium (./dev test installs it)" >&2; exit 1; }
swift build --product flowq >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
.build/debug/flowq ingest SampleLogs/cluster --db "$tmp/s.db" >/dev/null
.build/debug/flowq report --db "$tmp/s.db" --format html --out "$tmp/r.html" || test $? -eq 3
grep -q '<svg[^>]*id="graph"' "$tmp/r.html"
grep -q '<svg[^>]*id="timeline"' "$tmp/r.html"
grep -q 'class="edge would_break"' "$tmp/r.html"
chromium --headless --no-sandbox --disable-gpu --screenshot="$out" --window-size=1100,1400 "file://$tmp/r.html" 2>/dev/null
python3 - "$out" <<'PY'
import sys, zlib, struct
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
# Count distinct colours in the decoded image: a blank page has one or two.
pos, idat, w, h = 8, b'', 0, 0
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8]); body = data[pos + 8:pos + 8 + n]; pos += 12 + n
    if kind == b'IHDR': w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
    if kind == b'IDAT': idat += body
raw = zlib.decompress(idat)
bpp = {2: 3, 6: 4}[ctype]
stride = w * bpp
prev = bytearray(stride)
reds = 0
for y in range(h):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p_ = a + b - c; pa, pb, pc = abs(p_ - a), abs(p_ - b), abs(p_ - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else (b if pb <= pc else c))) & 255
    for x in range(0, stride, bpp):
        if line[x] == 0xd6 and line[x + 1] == 0x27 and line[x + 2] == 0x28: reds += 1
    prev = line
print(f'{sys.argv[1]}: {w}x{h}, would-break red pixels: {reds}')
assert reds > 500, 'the graph or timeline is not drawn'
PY
echo "screenshot: $out"
