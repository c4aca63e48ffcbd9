/// The page's stylesheet. Classes use the Okabe-Ito palette (safe for the common colour-vision deficiencies) and
/// always carry a symbol and a word as well, never colour alone.
enum WebStyle {
    static let source = #"""
:root { --fg: #1d1d1f; --muted: #5b5b66; --line: #d0d0d7; --bg: #fff; --panel: #f5f5f8; --accent: #0072b2;
  --break: #d55e00; --safe: #0072b2; --expected: #6b6b6b; --unknown: #a0527a; --allow: #007a5a; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; padding: .6rem 1rem; border-bottom: 1px solid var(--line); background: var(--panel); }
.brand { font-size: 1.2rem; }
nav a { margin-right: .8rem; color: var(--accent); text-decoration: none; padding: .2rem .4rem; border-radius: 4px; }
nav a[aria-current="page"] { background: var(--accent); color: #fff; }
.token { margin-left: auto; font-size: .9rem; }
main { padding: 1rem; max-width: 1400px; }
form { display: flex; flex-wrap: wrap; gap: .6rem; align-items: end; margin-bottom: .6rem; }
label { display: inline-flex; flex-direction: column; font-size: .85rem; color: var(--muted); gap: .15rem; }
input, select, textarea, button { font: inherit; color: var(--fg); }
input, select, textarea { border: 1px solid var(--line); border-radius: 4px; padding: .35rem .45rem; background: #fff; }
button { border: 1px solid var(--accent); background: var(--accent); color: #fff; border-radius: 4px; padding: .4rem .9rem; cursor: pointer; }
button.link { background: none; color: var(--accent); border: none; padding: 0; text-decoration: underline; }
:focus-visible { outline: 3px solid #f0e442; outline-offset: 1px; }
.kql { position: relative; flex: 1 1 28rem; }
#q { width: 100%; font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
#suggest { position: absolute; z-index: 5; left: 0; top: 100%; margin: 0; padding: 0; list-style: none; background: #fff; border: 1px solid var(--line); min-width: 16rem; }
#suggest li { padding: .25rem .5rem; font-family: ui-monospace, monospace; cursor: pointer; }
#suggest li[aria-selected="true"] { background: var(--accent); color: #fff; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
[role="alert"] { border-left: 4px solid var(--break); background: #fff4ec; padding: .5rem .8rem; margin: .5rem 0; }
[role="alert"] pre { margin: .3rem 0 0; font-family: ui-monospace, monospace; }
.histogram { margin: .5rem 0; }
#hist { width: 100%; height: 110px; background: var(--panel); border-radius: 4px; cursor: crosshair; }
#hist rect.bar { fill: var(--accent); }
#hist rect.sel { fill: #f0e442; opacity: .45; }
figcaption { font-size: .8rem; color: var(--muted); }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; white-space: nowrap; }
th button { background: none; border: none; color: var(--fg); font-weight: 600; padding: 0; }
tbody tr:hover, tbody tr:focus { background: #eef5fb; outline: none; }
tbody tr { cursor: pointer; }
#detail { border: 1px solid var(--line); border-radius: 6px; padding: .8rem 1rem; margin-top: .8rem; background: var(--panel); white-space: normal; }
#detail ol { margin: .2rem 0 .6rem; font-family: ui-monospace, monospace; font-size: .85rem; }
.badge { display: inline-block; border-radius: 3px; padding: 0 .35rem; font-size: .8rem; font-weight: 600; color: #fff; }
.c-would_break, .c-localhost { background: var(--break); }
.c-protected_by_failsafe { background: var(--safe); }
.c-expected_denial { background: var(--expected); }
.c-unknown { background: var(--unknown); }
.c-would_newly_allow { background: var(--allow); }
.banner { font-size: 1.3rem; font-weight: 700; padding: .6rem 1rem; border-radius: 6px; color: #fff; }
.v-READY { background: var(--allow); } .v-NOT.READY, .v-NOT_READY { background: var(--break); } .v-INSUFFICIENT_EVIDENCE { background: var(--unknown); }
#graph { width: 100%; min-height: 120px; border: 1px solid var(--line); border-radius: 6px; margin: .5rem 0; }
#graph text { font-size: 12px; fill: var(--fg); }
#graph path { fill: none; stroke-width: 2.5; cursor: pointer; }
#graph path:hover, #graph path:focus { stroke-width: 5; }
#graph path.e-would_break, #graph path.e-localhost { stroke: var(--break); }
#graph path.e-protected_by_failsafe { stroke: var(--safe); stroke-dasharray: 8 4; }
#graph path.e-expected_denial { stroke: var(--expected); stroke-dasharray: 2 4; }
#graph path.e-unknown { stroke: var(--unknown); stroke-dasharray: 10 3 2 3; }
#graph path.e-would_newly_allow { stroke: var(--allow); stroke-dasharray: 1 3; }
#filters { display: flex; flex-wrap: wrap; gap: .8rem; margin: .4rem 0; }
#filters label { flex-direction: row; align-items: center; gap: .3rem; color: var(--fg); }
pre#fix { background: var(--panel); padding: .8rem; border-radius: 6px; overflow-x: auto; }
textarea { width: 100%; font-family: ui-monospace, monospace; }
#sim-form { flex-direction: column; align-items: stretch; }
@media (max-width: 720px) { main { padding: .5rem; } header { gap: .4rem; } .token { margin-left: 0; } th, td { padding: .25rem; } }
"""#
}
