#!/usr/bin/env python3
"""The web page in a real headless Chromium (Debian's package), driven over the DevTools protocol.

Usage: browser-check.py BASE_URL SCREENSHOT_DIR [QUERY]   (with QUERY: only measure first paint and that query's table)
Types a KQL query and checks the rows shown, types a broken query and checks the caret message, opens the
readiness page and checks the verdict, clicks a would-break connection and checks that its flows are shown,
runs a simulation, and saves a screenshot of each page. Prints what it measured; exits 1 on the first failure.
"""
import base64, json, os, shutil, socket, subprocess, sys, tempfile, time, urllib.request
import websocket  # python3-websocket

base, shots = sys.argv[1].rstrip("/"), sys.argv[2]
os.makedirs(shots, exist_ok=True)
chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
profile = tempfile.mkdtemp(prefix="flowq-chromium-")
s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
proc = subprocess.Popen([chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                         f"--remote-debugging-port={port}", "--remote-allow-origins=*", f"--user-data-dir={profile}", "--window-size=1280,1000",
                         "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

def fail(msg):
    print("FAIL:", msg)
    proc.kill(); shutil.rmtree(profile, ignore_errors=True)
    sys.exit(1)

for _ in range(100):
    try:
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json"))
        page = next(t for t in targets if t["type"] == "page")
        break
    except Exception:
        time.sleep(0.1)
else:
    fail("chromium did not start")
ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30)
seq = 0
def cdp(method, **params):
    global seq
    seq += 1
    ws.send(json.dumps({"id": seq, "method": method, "params": params}))
    while True:
        m = json.loads(ws.recv())
        if m.get("id") == seq:
            if "error" in m: fail(f"{method}: {m['error']}")
            return m.get("result", {})
def js(expr):
    r = cdp("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)
    if "exceptionDetails" in r: fail(f"script error in {expr}: {r['exceptionDetails']}")
    return r["result"].get("value")
def wait(expr, what, seconds=15):
    end = time.time() + seconds
    while time.time() < end:
        if js(expr): return
        time.sleep(0.05)
    fail(f"timed out waiting for {what}")
def shot(name):
    data = cdp("Page.captureScreenshot", format="png", captureBeyondViewport=False)["data"]
    with open(os.path.join(shots, name), "wb") as f: f.write(base64.b64decode(data))
def key(k, code, vk):
    text = "\r" if k == "Enter" else ""
    cdp("Input.dispatchKeyEvent", type="keyDown", key=k, code=code, windowsVirtualKeyCode=vk, nativeVirtualKeyCode=vk, text=text)
    cdp("Input.dispatchKeyEvent", type="keyUp", key=k, code=code, windowsVirtualKeyCode=vk, nativeVirtualKeyCode=vk)
def type_into(selector, text):
    js(f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e.focus(); e.select && e.select(); }})()")
    cdp("Input.insertText", text=text)
def click(selector):
    box = js(f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e.scrollIntoView({{block: 'center'}}); const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()")
    for t in ("mousePressed", "mouseReleased"):
        cdp("Input.dispatchMouseEvent", type=t, x=box[0], y=box[1], button="left", clickCount=1)

cdp("Page.enable"); cdp("Runtime.enable")
cdp("Emulation.setDeviceMetricsOverride", width=1280, height=1000, deviceScaleFactor=1, mobile=False)
if len(sys.argv) > 3:
    # Measure only (Benchmarks/run.sh web): first paint, and a query's table, typed in the bar, over this store.
    cdp("Page.navigate", url=base + "/#/discover")
    wait("document.readyState === 'complete' && !!document.querySelector('#rows').dataset.query !== undefined", "the page", 60)
    fcp = js("(performance.getEntriesByType('paint').find(e => e.name === 'first-contentful-paint') || {}).startTime || -1")
    times = []
    for i in range(7):
        q = sys.argv[3] + ("" if i % 2 else " ")  # a different text each time: no cache anywhere
        type_into("#q", q)
        t0 = time.time()
        key("Enter", "Enter", 13)
        wait(f"document.querySelector('#rows').dataset.query === {json.dumps(q)} && document.querySelectorAll('#rows tbody tr').length > 0", "the rows", 60)
        times.append((time.time() - t0) * 1000)
    times.sort()
    print(f"first contentful paint {fcp:.0f} ms; typed query to table: median {times[3]:.0f} ms, max {times[-1]:.0f} ms (7 runs)")
    proc.kill(); shutil.rmtree(profile, ignore_errors=True)
    sys.exit(0)
cdp("Page.navigate", url=base + "/#/discover")
wait("document.readyState === 'complete' && !!document.querySelector('#rows tbody tr')", "the first rows")
fcp = js("(performance.getEntriesByType('paint').find(e => e.name === 'first-contentful-paint') || {}).startTime || -1")
print(f"first contentful paint: {fcp:.0f} ms")
if not 0 <= fcp < 1000: fail(f"first paint {fcp} ms")

# A KQL query typed in the bar: the rows shown all match it.
type_into("#q", 'action:deny and dest_port:3306')
t0 = time.time()
key("Enter", "Enter", 13)
wait("document.querySelector('#rows').dataset.query === 'action:deny and dest_port:3306'", "the query's rows")
page_ms = js("document.querySelector('#summary').dataset.ms")
print(f"typed query to table: {(time.time() - t0) * 1000:.0f} ms (page-measured {page_ms} ms)")
rows = js("[...document.querySelectorAll('#rows tbody tr')].map(tr => [tr.querySelector('[data-field=action]').textContent, tr.querySelector('[data-field=dest_port]').textContent])")
if not rows: fail("no rows for action:deny and dest_port:3306")
if any(r != ["deny", "3306"] for r in rows): fail(f"rows that do not match: {rows[:3]}")
summary = js("document.querySelector('#summary').textContent")
print(f"rows shown: {len(rows)}; {summary}")
# Field-name completion: typing "dest_na" offers dest_name, dest_namespace…
type_into("#q", "dest_na")
wait("!document.querySelector('#suggest').hidden", "field completion")
offered = js("[...document.querySelectorAll('#suggest li')].map(li => li.textContent)")
if "dest_namespace" not in offered: fail(f"completion offered {offered}")
# The row detail: enforced and pending hits in index order, and the sentence.
type_into("#q", 'policies:{pending_policies: *default-deny*} and action:"allow"')
key("Enter", "Enter", 13)
wait("(document.querySelector('#rows').dataset.query || '').includes('default-deny') && document.querySelectorAll('#rows tbody tr').length > 0", "the seed query's rows")
click("#rows tbody tr")
wait("!document.querySelector('#detail').hidden", "the row detail")
sentence = js("document.querySelector('#detail .sentence').textContent")
if "DENY" not in sentence: fail(f"detail sentence: {sentence}")
print(f"row detail: {sentence}")
js("window.scrollTo(0, 0)")
shot("discover.png")

# Drag across the histogram: the range becomes the dragged span (since and until in the URL), rows within it.
box = js("(() => { const r = document.querySelector('#hist').getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; })()")
y = box[1] + box[3] / 2
cdp("Input.dispatchMouseEvent", type="mousePressed", x=box[0] + box[2] * 0.55, y=y, button="left", clickCount=1)
cdp("Input.dispatchMouseEvent", type="mouseMoved", x=box[0] + box[2] * 0.75, y=y, button="left")
cdp("Input.dispatchMouseEvent", type="mouseReleased", x=box[0] + box[2] * 0.75, y=y, button="left", clickCount=1)
wait("location.hash.includes('since=') && location.hash.includes('until=')", "the zoomed range")
# The zoomed view in full (rows, count, histogram) before the next search is typed: the form is refilled from it.
wait("document.body.dataset.shown === location.hash", "the zoomed rows")
zoom = js("decodeURIComponent(location.hash)")
print(f"histogram zoom: {zoom[zoom.index('since='):][:80]}")

# A broken query: the message and a caret under the offset the API returned.
type_into("#q", "action:(deny")
key("Enter", "Enter", 13)
wait("!document.querySelector('#error').hidden", "the query error")
err = js("document.querySelector('#error').textContent")
pre = js("document.querySelector('#error pre') && document.querySelector('#error pre').textContent")
offset = js("document.querySelector('#error pre') && document.querySelector('#error pre').dataset.offset")
if not pre or "^" not in pre or "query.syntax" not in err: fail(f"error shown: {err!r}")
if pre.split("\n")[1].index("^") != int(offset): fail(f"caret at {pre.split(chr(10))[1].index('^')}, offset {offset}")
print(f"broken query: {err.splitlines()[0][:80]}… caret at offset {offset}")
shot("discover-error.png")

# Readiness: the verdict, then a would-break connection opens its flows in Discover.
cdp("Page.navigate", url=base + "/#/readiness")
wait("!!document.querySelector('#verdict-banner')", "the verdict")
verdict = js("document.querySelector('#verdict-banner').textContent")
if "NOT READY" not in verdict: fail(f"verdict {verdict}")
print(f"readiness: {verdict}")
wait("document.querySelectorAll('#graph path').length > 0", "the connection graph")
js("window.scrollTo(0, 0)")
shot("readiness.png")
earlier = os.environ.get("FLOWQ_COMPARE_REPORT")
if earlier:
    # An earlier JSON report uploaded: the comparison lists new and resolved connections.
    doc = cdp("DOM.getDocument")["root"]["nodeId"]
    node = cdp("DOM.querySelector", nodeId=doc, selector="#compare")["nodeId"]
    cdp("DOM.setFileInputFiles", nodeId=node, files=[earlier])
    wait("document.querySelector('#comparison').textContent.includes('resolved')", "the comparison")
    compared = js("document.querySelector('#comparison p').textContent")
    print(f"compare: {compared}")
kql = js("(() => { const tr = document.querySelector('#connections tr[data-class=would_break]'); return tr ? tr.querySelector('td:nth-child(2)').textContent : null; })()")
if kql is None: fail("no would-break connection in the table")
click("#connections tr[data-class=would_break] button.flows")
wait("location.hash.startsWith('#/discover') && document.querySelector('#rows').dataset.query === document.querySelector('#q').value && document.querySelectorAll('#rows tbody tr').length > 0", "the connection's flows")
q = js("document.querySelector('#q').value")
print(f"would-break connection from {kql} opened in Discover: {q[:90]}")

# Simulate: a policy pasted in, the connections whose verdict changes.
cdp("Page.navigate", url=base + "/#/simulate")
wait("!document.querySelector('#simulate').hidden", "the simulate view")
type_into("#policy-yaml", "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: deny-all}\nspec: {selector: all(), types: [Ingress, Egress]}\n")
click("#sim-form button[type=submit]")
wait("document.querySelectorAll('#sim-connections tbody tr').length > 0", "the simulated connections")
sim = js("document.querySelector('#sim-verdict').textContent")
print(f"simulate: {sim}")
type_into("#selector", "app == 'web' && has(tier")
click("#selector-form button[type=submit]")
wait("!!document.querySelector('#selector-result [role=alert] pre')", "the selector error")
js("window.scrollTo(0, 0)")
shot("simulate.png")
# A narrow window still shows the query bar and the table without horizontal page scroll.
cdp("Emulation.setDeviceMetricsOverride", width=420, height=900, deviceScaleFactor=1, mobile=True)
cdp("Page.navigate", url=base + "/#/discover?q=action%3Adeny")
wait("document.querySelector('#rows').dataset.query === 'action:deny' && document.querySelectorAll('#rows tbody tr').length > 0", "rows on a narrow window")
if js("document.documentElement.scrollWidth > window.innerWidth + 2"): fail("the page scrolls sideways at 420 px")
shot("discover-narrow.png")
print("ok")
ws.close(); proc.kill(); shutil.rmtree(profile, ignore_errors=True)
