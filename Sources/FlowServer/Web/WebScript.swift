/// The page's script: three views over the API, the state in the URL's hash (so a link can be shared).
enum WebScript {
    static let source = #"""
'use strict';
const $ = (s, r = document) => r.querySelector(s);
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) { if (k === 'text') e.textContent = v; else e.setAttribute(k, v); }
  for (const k of kids) e.append(k);
  return e;
};
const svg = (tag, attrs = {}) => { const e = document.createElementNS('http://www.w3.org/2000/svg', tag); for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v); return e; };
const CLASSES = {
  would_break: ['✕', 'Would break'], localhost: ['✕', 'Localhost (would break)'], protected_by_failsafe: ['▣', 'Protected by failsafe'],
  expected_denial: ['○', 'Expected denial'], unknown: ['?', 'Unknown'], would_newly_allow: ['+', 'Would newly allow'],
};
const DEFAULT_COLUMNS = ['start_time', 'host', 'source_namespace', 'source_name_aggr', 'dest_namespace', 'dest_name_aggr', 'dest_port', 'proto', 'action', 'reporter'];
let fields = [];
const view = { name: 'discover', params: new URLSearchParams() };
$('#token').value = sessionStorage.getItem('flowq-token') || '';
$('#token').addEventListener('change', e => { sessionStorage.setItem('flowq-token', e.target.value); route(); });

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  const token = $('#token').value.trim();
  if (token) headers.Authorization = 'Bearer ' + token;
  const r = await fetch(path, Object.assign({}, options, { headers }));
  const type = r.headers.get('content-type') || '';
  const body = type.includes('json') ? await r.json() : await r.text();
  return { ok: r.ok, status: r.status, body, headers: r.headers };
}

function caret(text, offset) {
  const line = text.split('\n')[0];
  return line + '\n' + ' '.repeat(Math.max(0, Math.min(offset, line.length))) + '^';
}
function showError(box, problem, text) {
  box.hidden = false;
  box.replaceChildren(el('strong', { text: problem.code ? `${problem.code}: ` : 'error: ' }), problem.detail || String(problem));
  if (problem.offset !== undefined && text !== undefined) box.append(el('pre', { text: caret(text, problem.offset), 'data-offset': problem.offset }));
}

// ---------- routing ----------
function setHash(name, params) { location.hash = '#/' + name + (params && [...params].length ? '?' + params.toString() : ''); }
function parseHash() {
  const h = location.hash.replace(/^#\/?/, '');
  const [name, query] = h.split('?');
  view.name = ['discover', 'readiness', 'simulate'].includes(name) ? name : 'discover';
  view.params = new URLSearchParams(query || '');
}
async function route() {
  parseHash();
  for (const n of ['discover', 'readiness', 'simulate']) {
    $('#' + n).hidden = n !== view.name;
    const a = $('#nav-' + n);
    if (n === view.name) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  if (view.name === 'discover') await discover();
  if (view.name === 'readiness') await readiness();
}
window.addEventListener('hashchange', route);

// ---------- Discover ----------
function columns() { return (view.params.get('cols') || DEFAULT_COLUMNS.join(',')).split(',').filter(Boolean); }
function timeParams() {
  const p = new URLSearchParams();
  for (const k of ['since', 'until']) if (view.params.get(k)) p.set(k, view.params.get(k));
  return p;
}
function fillForm() {
  $('#q').value = view.params.get('q') || '';
  const since = view.params.get('since') || '', until = view.params.get('until') || '';
  const relative = /^\d+(\.\d+)?[smhdw]$/.test(since) && !until;
  $('#range').value = !since && !until ? '' : relative ? since : 'custom';
  const local = t => { const d = new Date(/^\d+$/.test(t) ? Number(t) * 1000 : t); return isNaN(d) ? '' : new Date(d - d.getTimezoneOffset() * 60000).toISOString().slice(0, 19); };
  $('#from').value = relative ? '' : since && local(since);
  $('#to').value = until && local(until);
}
$('#search').addEventListener('submit', e => {
  e.preventDefault();
  hideSuggest();
  const p = new URLSearchParams(view.params);
  p.set('q', $('#q').value);
  const range = $('#range').value;
  p.delete('since'); p.delete('until');
  if (range && range !== 'custom') p.set('since', range);
  if (range === 'custom' || (!range && ($('#from').value || $('#to').value))) {
    if ($('#from').value) p.set('since', new Date($('#from').value).toISOString());
    if ($('#to').value) p.set('until', new Date($('#to').value).toISOString());
  }
  const next = '#/discover?' + p.toString();
  if (location.hash === next) route(); else location.hash = next;
});
$('#range').addEventListener('change', () => { if ($('#range').value !== 'custom') $('#search').requestSubmit(); });

// Each search supersedes the one before: a slower answer to an earlier one must not replace what a later one showed
// (its rows, or the error of a broken query). body[data-shown] is the view the page shows in full.
let discoverSeq = 0;
async function discover() {
  const seq = ++discoverSeq, shown = location.hash;
  const current = () => seq === discoverSeq;
  fillForm();
  if (!fields.length) { const r = await api('/api/v1/fields'); if (r.ok) fields = r.body; buildColumnPicker(); }
  const q = view.params.get('q') || '';
  const p = timeParams(); p.set('q', q);
  const started = performance.now();
  const sort = view.params.get('sort');
  const rowsParams = new URLSearchParams(p); rowsParams.set('format', 'json'); rowsParams.set('limit', '200');
  if (sort) rowsParams.set('sort', sort);
  // The table first; the count and the histogram follow without holding it up.
  const countReq = api('/api/v1/count?' + p), histReq = api('/api/v1/histogram?' + p + '&buckets=80');
  const rows = await api('/api/v1/flows?' + rowsParams);
  if (!current()) return;
  $('#rows').dataset.query = q;
  if (!rows.ok) {
    showError($('#error'), rows.body, q); $('#summary').textContent = ''; $('#rows tbody').replaceChildren();
    document.body.dataset.shown = shown;
    return;
  }
  $('#error').hidden = true;
  renderTable(rows.body);
  const ms = Math.round(performance.now() - started);
  $('#summary').dataset.ms = ms;
  $('#summary').textContent = `showing ${rows.body.length} (${ms} ms); counting…`;
  const count = await countReq;
  if (!current()) return;
  $('#summary').textContent = `${count.ok ? count.body.count.toLocaleString() : '?'} matching lines` + (rows.body.length ? `; showing ${rows.body.length}` : '') + ` (table in ${ms} ms)`;
  const hist = await histReq;
  if (!current()) return;
  if (hist.ok) renderHistogram(hist.body);
  document.body.dataset.shown = shown;
}

function buildColumnPicker() {
  const box = $('#column-list'); box.replaceChildren();
  const shown = new Set(columns());
  for (const f of fields) {
    const c = el('input', { type: 'checkbox', value: f.name });
    c.checked = shown.has(f.name);
    c.addEventListener('change', () => {
      const cols = [...box.querySelectorAll('input:checked')].map(i => i.value);
      const p = new URLSearchParams(view.params); p.set('cols', cols.join(',')); setHash('discover', p);
    });
    box.append(el('label', { class: 'col' }, c, f.name));
  }
}
function value(row, name) {
  if (name === 'source_labels.labels') return (row.source_labels || {}).labels;
  if (name === 'dest_labels.labels') return (row.dest_labels || {}).labels;
  if (name.startsWith('policies.')) return (row.policies || {})[name.slice(9)];
  if (name.startsWith('extra.')) return row[name.slice(6)];
  return row[name];
}
function display(v, name) {
  if (v === null || v === undefined) return '';
  if ((name === 'start_time' || name === 'end_time') && typeof v === 'number') return new Date(v * 1000).toISOString().replace('.000Z', 'Z');
  return Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? JSON.stringify(v) : String(v);
}
function renderTable(rows) {
  const cols = columns();
  const sort = (view.params.get('sort') || '').split(':');
  const head = el('tr');
  for (const c of cols) {
    const dir = sort[0] === c ? (sort[1] === 'desc' ? ' ▼' : ' ▲') : '';
    const b = el('button', { type: 'button', text: c + dir, 'aria-label': `sort by ${c}` });
    b.addEventListener('click', () => {
      const p = new URLSearchParams(view.params);
      p.set('sort', sort[0] === c && sort[1] !== 'desc' ? c + ':desc' : c); setHash('discover', p);
    });
    head.append(el('th', { scope: 'col', 'aria-sort': sort[0] === c ? (sort[1] === 'desc' ? 'descending' : 'ascending') : 'none' }, b));
  }
  $('#rows thead').replaceChildren(head);
  const body = $('#rows tbody'); body.replaceChildren();
  rows.forEach((r, i) => {
    const tr = el('tr', { tabindex: '0', 'data-row': i });
    for (const c of cols) tr.append(el('td', { 'data-field': c, text: display(value(r, c), c) }));
    const open = () => showDetail(r);
    tr.addEventListener('click', open);
    tr.addEventListener('keydown', e => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(); } });
    body.append(tr);
  });
  $('#detail').hidden = true;
}

function hits(list) {
  return (list || []).map(raw => { const p = raw.split('|'); return { raw, index: Number(p[0]), tier: p[1], name: p[2], action: p[3], rule: p[4] }; })
    .sort((a, b) => a.index - b.index || (a.raw < b.raw ? -1 : 1));
}
const staged = h => /^(sgnp|snp|sknp):/.test(h.name) || /staged:/.test(h.name);
function stagedSentence(row) {
  const p = row.policies || {};
  const today = row.action === 'deny' ? 'denied' : 'allowed';
  const transit = hits(p.transit_policies).find(h => !staged(h) && h.action !== 'pass');
  if (transit && transit.action === 'deny') return `Denied today in transit by ${transit.name} (pre-DNAT or apply-on-forward): enforcing the staged policies does not change that.`;
  const pending = hits(p.pending_policies);
  if (pending.length) {
    const last = pending[pending.length - 1];
    if (last.action === 'pass') return `Today ${today}. The pending trace ends in a pass (${last.name}): it tells no verdict (Felix bug projectcalico/calico#13416).`;
    const then = last.action === 'deny' ? 'denied' : 'allowed';
    const by = `${last.name}${last.rule === '-1' ? ' (end of tier ' + last.tier + ')' : ''}`;
    if (then === today) return `Today ${today}; still ${then} once the staged policies are enforced (decided by ${by}).`;
    return `Today ${today}; enforcing the staged policies would ${last.action === 'deny' ? 'DENY' : 'ALLOW'} it (decided by ${by}).`;
  }
  const all = hits(p.all_policies);
  const stagedHit = all.find(h => staged(h) && h.action !== 'pass');
  if (stagedHit) return `Today ${today}. The legacy trace shows the staged ${stagedHit.name} would ${stagedHit.action} it.`;
  return `Today ${today}. This line has no pending trace (host endpoint, remote or network endpoint): the staged policies' effect is unknown from the log.`;
}
function showDetail(row) {
  const box = $('#detail'); box.hidden = false;
  const list = name => { const h = hits((row.policies || {})[name]); return h.length ? el('ol', {}, ...h.map(x => el('li', { text: x.raw + (staged(x) ? '   (staged)' : '') }))) : el('p', { text: '(none)' }); };
  box.replaceChildren(
    el('h3', { text: `${row.source_namespace || '-'}/${row.source_name_aggr || '-'} → ${row.dest_namespace || '-'}/${row.dest_name_aggr || '-'}:${row.dest_port ?? '-'} ${row.proto || ''}` }),
    el('p', { class: 'sentence', text: stagedSentence(row) }),
    el('h4', { text: 'Enforced policies (index order)' }), list('enforced_policies'),
    el('h4', { text: 'Pending policies (index order)' }), list('pending_policies'));
  if ((row.policies || {}).all_policies) box.append(el('h4', { text: 'All policies (legacy)' }), list('all_policies'));
  box.append(el('details', {}, el('summary', { text: 'The whole line' }), el('pre', { text: JSON.stringify(row, null, 1) })));
  box.scrollIntoView({ block: 'nearest' });
}

function renderHistogram(h) {
  const s = $('#hist'); s.replaceChildren();
  const w = s.clientWidth || 800, ht = 110, pad = 14;
  const n = Math.max(1, Math.ceil((h.to - h.from + 1) / h.interval));
  const max = Math.max(1, ...h.buckets.map(b => b[1]));
  const bw = (w - 2 * pad) / n;
  for (const [t, c] of h.buckets) {
    const x = pad + ((t - h.from) / h.interval) * bw, y = ht - pad - (c / max) * (ht - 2 * pad);
    const r = svg('rect', { class: 'bar', x, y, width: Math.max(1, bw - 1), height: ht - pad - y });
    r.append(svg('title')); r.lastChild.textContent = `${new Date(t * 1000).toISOString()}: ${c} lines`;
    s.append(r);
  }
  $('#hist-caption').textContent = h.buckets.length ? `${new Date(h.from * 1000).toISOString()} – ${new Date(h.to * 1000).toISOString()}, ${h.interval / 60} min per bar; drag to zoom` : 'no lines';
  let start = null, sel = null;
  const time = x => h.from + Math.max(0, (x - pad) / bw) * h.interval;
  s.onmousedown = e => { start = e.offsetX; sel = svg('rect', { class: 'sel', x: start, y: 0, width: 0, height: ht }); s.append(sel); };
  s.onmousemove = e => { if (start !== null) { sel.setAttribute('x', Math.min(start, e.offsetX)); sel.setAttribute('width', Math.abs(e.offsetX - start)); } };
  s.onmouseup = e => {
    if (start === null) return;
    const a = time(Math.min(start, e.offsetX)), b = time(Math.max(start, e.offsetX)) + h.interval;
    start = null;
    if (b - a < 2) return;
    const p = new URLSearchParams(view.params);
    p.set('since', new Date(a * 1000).toISOString()); p.set('until', new Date(b * 1000).toISOString()); setHash('discover', p);
  };
}

// Field-name completion in the KQL bar.
let suggestion = -1;
function hideSuggest() { $('#suggest').hidden = true; suggestion = -1; }
function tokenAtCaret() {
  const q = $('#q'), before = q.value.slice(0, q.selectionStart);
  const m = before.match(/(^|[\s(:{])([A-Za-z_@][\w.@]*)$/);
  if (!m || m[1] === ':') return null;
  return { word: m[2], start: before.length - m[2].length };
}
$('#q').addEventListener('input', () => {
  const t = tokenAtCaret(), box = $('#suggest');
  if (!t) return hideSuggest();
  const items = fields.map(f => f.name).filter(n => n.startsWith(t.word) && n !== t.word).slice(0, 8);
  if (!items.length) return hideSuggest();
  box.replaceChildren(...items.map((n, i) => { const li = el('li', { role: 'option', text: n, id: 'sug-' + i }); li.addEventListener('mousedown', e => { e.preventDefault(); complete(n); }); return li; }));
  box.hidden = false; suggestion = -1;
});
function complete(name) {
  const t = tokenAtCaret(); if (!t) return;
  const q = $('#q'), after = q.value.slice(q.selectionStart);
  q.value = q.value.slice(0, t.start) + name + ':' + after;
  const pos = t.start + name.length + 1; q.setSelectionRange(pos, pos); hideSuggest();
}
$('#q').addEventListener('keydown', e => {
  const box = $('#suggest'); if (box.hidden) return;
  const items = [...box.children];
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    e.preventDefault();
    suggestion = (suggestion + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length;
    items.forEach((li, i) => li.setAttribute('aria-selected', String(i === suggestion)));
  } else if ((e.key === 'Tab' || e.key === 'Enter') && suggestion >= 0) { e.preventDefault(); complete(items[suggestion].textContent); }
  else if (e.key === 'Escape') hideSuggest();
});
$('#q').addEventListener('blur', () => setTimeout(hideSuggest, 100));

// ---------- Readiness ----------
let report = null, previous = null;
const connKey = c => `${c.source.namespace || '-'}/${c.source.name}→${c.destination.namespace || '-'}/${c.destination.name}${c.destination.ip ? '@' + c.destination.ip : ''}:${c.port ?? '-'}/${c.protocol}`;
$('#report-form').addEventListener('submit', e => { e.preventDefault(); readiness(); });
$('#compare').addEventListener('change', async e => {
  const f = e.target.files[0]; if (!f) return;
  try { previous = JSON.parse(await f.text()); } catch (err) { previous = null; $('#comparison').textContent = 'not a flowq JSON report: ' + err; return; }
  renderComparison();
});
async function readiness() {
  const p = new URLSearchParams({ format: 'json', min_window: $('#min-window').value || '24h' });
  if ($('#policy').value.trim()) p.set('policy', $('#policy').value.trim());
  const r = await api('/api/v1/report?' + p);
  if (!r.ok) { $('#verdict').replaceChildren(el('div', { role: 'alert', text: `${r.body.code}: ${r.body.detail}` })); return; }
  report = r.body;
  const v = report.verdict;
  $('#verdict').replaceChildren(el('div', { class: 'banner v-' + v.replace(/ /g, '_'), id: 'verdict-banner', text: `${v === 'READY' ? '✓' : v === 'NOT READY' ? '✕' : '?'} ${v} (exit ${report.exit_code})` }),
    el('ul', {}, ...(report.reasons || []).map(x => el('li', { text: x }))));
  const ev = report.evidence || [];
  $('#evidence thead').replaceChildren(el('tr', {}, ...['host', 'first seen', 'last seen', 'hours', 'lines', 'sufficient'].map(t => el('th', { text: t }))));
  $('#evidence tbody').replaceChildren(...ev.map(h => el('tr', {}, ...[h.host, h.first_seen, h.last_seen, typeof h.hours === 'number' ? h.hours.toFixed(1) : h.hours, h.lines, h.sufficient ? 'yes' : '✕ NO'].map((x, i) => el('td', { text: display(x, i === 1 || i === 2 ? 'start_time' : '') })))));
  buildFilters();
  renderConnections();
  $('#fix').textContent = report.fix_yaml || '(no fix needed)';
  renderComparison();
}
function buildFilters() {
  const box = $('#filters'); box.replaceChildren();
  const present = [...new Set(report.connections.map(c => c.classification))];
  for (const cls of Object.keys(CLASSES).filter(c => present.includes(c))) {
    const c = el('input', { type: 'checkbox', value: cls, 'data-filter': 'class' }); c.checked = true;
    c.addEventListener('change', renderConnections);
    box.append(el('label', {}, c, el('span', { class: 'badge c-' + cls, text: CLASSES[cls][0] }), CLASSES[cls][1]));
  }
  const ns = [...new Set(report.connections.flatMap(c => [c.source.namespace, c.destination.namespace]).filter(Boolean))].sort();
  const sel = el('select', { id: 'ns-filter', 'aria-label': 'namespace' }, el('option', { value: '', text: 'every namespace' }), ...ns.map(n => el('option', { value: n, text: n })));
  sel.addEventListener('change', renderConnections);
  box.append(el('label', {}, 'Namespace', sel));
}
function shownConnections() {
  const classes = new Set([...document.querySelectorAll('[data-filter=class]:checked')].map(i => i.value));
  const ns = $('#ns-filter') ? $('#ns-filter').value : '';
  return report.connections.filter(c => classes.has(c.classification) && (!ns || c.source.namespace === ns || c.destination.namespace === ns));
}
function openFlows(c) { setHash('discover', new URLSearchParams({ q: c.kql })); }
function renderConnections() {
  const conns = shownConnections();
  const name = e => `${e.namespace ? e.namespace + '/' : ''}${e.name}${e.ip ? ' ' + e.ip : ''}`;
  const sources = [...new Set(conns.map(c => name(c.source)))], dests = [...new Set(conns.map(c => name(c.destination)))];
  const g = $('#graph'), w = g.clientWidth || 900, row = 24, h = Math.max(sources.length, dests.length) * row + 30;
  g.setAttribute('viewBox', `0 0 ${w} ${h}`); g.setAttribute('height', h); g.replaceChildren();
  const ys = (list, n) => 20 + list.indexOf(n) * row;
  sources.forEach(s => { const t = svg('text', { x: 8, y: ys(sources, s) + 4 }); t.textContent = s; g.append(t); });
  dests.forEach(d => { const t = svg('text', { x: w - 8, y: ys(dests, d) + 4, 'text-anchor': 'end' }); t.textContent = d; g.append(t); });
  for (const c of conns) {
    const y1 = ys(sources, name(c.source)), y2 = ys(dests, name(c.destination)), x1 = w * 0.3, x2 = w * 0.7;
    const p = svg('path', { d: `M${x1},${y1} C${w / 2},${y1} ${w / 2},${y2} ${x2},${y2}`, class: 'e-' + c.classification, tabindex: '0', 'data-class': c.classification });
    const title = svg('title'); title.textContent = `${CLASSES[c.classification][1]}: ${name(c.source)} → ${name(c.destination)}:${c.port ?? '-'}/${c.protocol}, ${c.lines} lines, ${c.flows} flows, ${c.bytes} bytes`;
    p.append(title);
    p.addEventListener('click', () => openFlows(c));
    p.addEventListener('keydown', e => { if (e.key === 'Enter') openFlows(c); });
    g.append(p);
  }
  $('#connections thead').replaceChildren(el('tr', {}, ...['class', 'source', 'destination', 'port', 'lines', 'flows', 'decided by', ''].map(t => el('th', { text: t }))));
  $('#connections tbody').replaceChildren(...conns.map(c => {
    const b = el('button', { type: 'button', class: 'link flows', text: 'flows' }); b.addEventListener('click', () => openFlows(c));
    return el('tr', { 'data-class': c.classification },
      el('td', {}, el('span', { class: 'badge c-' + c.classification, text: CLASSES[c.classification][0] + ' ' + CLASSES[c.classification][1] })),
      el('td', { text: name(c.source) }), el('td', { text: name(c.destination) }), el('td', { text: `${c.port ?? '-'}/${c.protocol}` }),
      el('td', { text: c.lines }), el('td', { text: c.flows }), el('td', { text: c.deciding_policy ? (c.deciding_policy.raw || c.deciding_policy.name) : (c.reason || '') }), el('td', {}, b));
  }));
}
function renderComparison() {
  const box = $('#comparison'); box.replaceChildren();
  if (!previous || !report) return;
  const breaking = r => new Set((r.connections || []).filter(c => c.classification === 'would_break' || c.classification === 'localhost').map(connKey));
  const now = breaking(report), before = breaking(previous);
  const added = [...now].filter(k => !before.has(k)), resolved = [...before].filter(k => !now.has(k));
  box.append(el('h2', { text: `Compared with the report of ${previous.generated_at || 'before'} (${previous.verdict})` }),
    el('p', { text: `${added.length} new, ${resolved.length} resolved` }),
    el('ul', {}, ...added.map(k => el('li', { text: 'new: ' + k })), ...resolved.map(k => el('li', { text: 'resolved: ' + k }))));
}
$('#copy-fix').addEventListener('click', async () => {
  const text = $('#fix').textContent;
  try { await navigator.clipboard.writeText(text); $('#copy-fix').textContent = 'Copied'; }
  catch { const r = document.createRange(); r.selectNodeContents($('#fix')); getSelection().removeAllRanges(); getSelection().addRange(r); $('#copy-fix').textContent = 'Selected: press Ctrl+C'; }
});

// ---------- Simulate ----------
$('#policy-file').addEventListener('change', async e => { const f = e.target.files[0]; if (f) $('#policy-yaml').value = await f.text(); });
$('#sim-form').addEventListener('submit', async e => {
  e.preventDefault();
  const p = new URLSearchParams({ format: 'json', min_window: '0h' });
  if ($('#enforce').value.trim()) p.set('enforce', $('#enforce').value.trim());
  const r = await api('/api/v1/simulate?' + p, { method: 'POST', body: $('#policy-yaml').value, headers: { 'Content-Type': 'application/yaml' } });
  if (!r.ok) { showError($('#sim-error'), r.body); return; }
  $('#sim-error').hidden = true;
  $('#sim-verdict').replaceChildren(el('div', { class: 'banner v-' + r.body.verdict.replace(/ /g, '_'), text: `${r.body.verdict}: ${r.body.connections.length} connection(s) change` }));
  const name = e => `${e.namespace ? e.namespace + '/' : ''}${e.name}`;
  $('#sim-connections thead').replaceChildren(el('tr', {}, ...['class', 'source', 'destination', 'port', 'lines', 'decided by'].map(t => el('th', { text: t }))));
  $('#sim-connections tbody').replaceChildren(...r.body.connections.map(c => el('tr', { 'data-class': c.classification },
    el('td', {}, el('span', { class: 'badge c-' + c.classification, text: CLASSES[c.classification][0] + ' ' + CLASSES[c.classification][1] })),
    el('td', { text: name(c.source) }), el('td', { text: name(c.destination) }), el('td', { text: `${c.port ?? '-'}/${c.protocol}` }), el('td', { text: c.lines }),
    el('td', { text: c.deciding_policy ? (c.deciding_policy.raw || c.deciding_policy.name) : (c.reason || '') }))));
});
$('#selector-form').addEventListener('submit', async e => {
  e.preventDefault();
  const s = $('#selector').value;
  const p = new URLSearchParams({ s, labels: $('#labels').value, global: String($('#global').checked) });
  const r = await api('/api/v1/selector?' + p), box = $('#selector-result');
  if (!r.ok) { box.replaceChildren(); const err = el('div', { role: 'alert' }); box.append(err); showError(err, r.body, s); return; }
  box.replaceChildren(el('p', { text: `canonical: ${r.body.canonical}` }), el('p', { class: 'badge ' + (r.body.matches ? 'c-would_newly_allow' : 'c-expected_denial'), text: r.body.matches ? '✓ match' : '✕ no match' }));
});

route();
"""#
}
