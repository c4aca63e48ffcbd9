/// The page's HTML: the header with the views and the token, and one section per view.
enum WebPage {
    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>flowq</title>
<link rel="stylesheet" href="/ui/app.css">
</head>
<body>
<header>
  <strong class="brand">flowq</strong>
  <nav aria-label="Views">
    <a href="#/discover" id="nav-discover">Discover</a>
    <a href="#/readiness" id="nav-readiness">Readiness</a>
    <a href="#/simulate" id="nav-simulate">Simulate</a>
  </nav>
  <label class="token">Token <input id="token" type="password" autocomplete="off" placeholder="bearer token (if any)"></label>
</header>
<main>
<section id="discover" hidden aria-label="Discover">
  <form id="search" autocomplete="off">
    <div class="kql">
      <label for="q" class="sr">KQL query</label>
      <input id="q" name="q" spellcheck="false" placeholder='KQL, e.g. policies:{pending_policies: *default-deny*} and action:"allow"' aria-autocomplete="list" aria-controls="suggest">
      <ul id="suggest" role="listbox" hidden></ul>
    </div>
    <label>Range <select id="range">
      <option value="">all time</option><option value="15m">last 15 min</option><option value="1h">last hour</option>
      <option value="24h">last 24 h</option><option value="7d">last 7 days</option><option value="30d">last 30 days</option>
      <option value="custom">custom</option></select></label>
    <label>From <input id="from" type="datetime-local" step="1"></label>
    <label>To <input id="to" type="datetime-local" step="1"></label>
    <button type="submit">Search</button>
  </form>
  <div id="error" role="alert" hidden></div>
  <p id="summary" aria-live="polite"></p>
  <figure class="histogram"><svg id="hist" role="img" aria-label="Matching lines over time (drag to zoom)"></svg>
    <figcaption id="hist-caption"></figcaption></figure>
  <details id="columns"><summary>Columns</summary><div id="column-list"></div></details>
  <div class="table-wrap"><table id="rows"><thead></thead><tbody></tbody></table></div>
  <aside id="detail" hidden aria-label="Line detail"></aside>
</section>
<section id="readiness" hidden aria-label="Readiness">
  <form id="report-form"><label>Minimum window <input id="min-window" value="24h" size="5"></label>
    <label>Staged policies <input id="policy" placeholder="all (or names, * wildcards)"></label>
    <button type="submit">Refresh</button>
    <label class="file">Compare with an earlier JSON report <input id="compare" type="file" accept=".json,application/json"></label></form>
  <div id="verdict" role="status"></div>
  <div id="comparison"></div>
  <h2>Evidence per host</h2><div class="table-wrap"><table id="evidence"><thead></thead><tbody></tbody></table></div>
  <h2>Connections</h2>
  <div id="filters"></div>
  <svg id="graph" role="img" aria-label="Connections: sources left, destinations right"></svg>
  <div class="table-wrap"><table id="connections"><thead></thead><tbody></tbody></table></div>
  <h2>Suggested fix</h2><button id="copy-fix" type="button">Copy YAML</button><pre id="fix"></pre>
</section>
<section id="simulate" hidden aria-label="Simulate">
  <form id="sim-form">
    <label for="policy-yaml">Calico policy YAML</label>
    <textarea id="policy-yaml" rows="12" spellcheck="false" placeholder="apiVersion: projectcalico.org/v3&#10;kind: GlobalNetworkPolicy&#10;…"></textarea>
    <label class="file">or a file <input id="policy-file" type="file" accept=".yaml,.yml"></label>
    <label>Enforce <input id="enforce" placeholder="all staged kinds (or names)"></label>
    <button type="submit">Simulate</button>
  </form>
  <div id="sim-error" role="alert" hidden></div>
  <div id="sim-verdict" role="status"></div>
  <div class="table-wrap"><table id="sim-connections"><thead></thead><tbody></tbody></table></div>
  <h2>Selector tester</h2>
  <form id="selector-form" autocomplete="off">
    <label>Selector <input id="selector" spellcheck="false" placeholder="app == 'web' && has(tier)"></label>
    <label>Labels <input id="labels" placeholder="app=web,tier=front"></label>
    <label><input id="global" type="checkbox"> non-namespaced endpoint</label>
    <button type="submit">Test</button>
  </form>
  <div id="selector-result" role="status"></div>
</section>
</main>
<script src="/ui/app.js"></script>
</body>
</html>
"""#
}
