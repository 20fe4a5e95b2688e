// The page's stylesheet, served as /static/style.css.
export const STYLE = `
:root {
  --bg: #f4f5f7; --panel: #fff; --ink: #1d2330; --muted: #6b7385; --line: #e3e6ec; --line2: #eef0f4;
  --accent: #3559c7; --accent-soft: #e8eefc; --err: #d23b3b; --err-soft: #fdecec; --head: #1b2030;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace;
  --name-col: 34%;
}
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; }
body { font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; color: var(--ink); background: var(--bg); }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
button, select, input { font: inherit; color: inherit; }
code, .mono { font-family: var(--mono); font-size: 12px; }

header.top { display: flex; align-items: center; gap: 22px; height: 48px; padding: 0 20px; background: var(--head); color: #e8ebf3; }
header.top .brand { display: flex; align-items: center; gap: 8px; font-weight: 650; font-size: 15px; letter-spacing: .2px; color: #fff; }
header.top .brand svg { width: 22px; height: 22px; }
header.top nav { display: flex; gap: 4px; }
header.top nav a { color: #b8c0d4; padding: 6px 12px; border-radius: 6px; font-weight: 500; }
header.top nav a:hover { color: #fff; background: #2a3146; text-decoration: none; }
header.top nav a.active { color: #fff; background: #323b56; }
header.top .live { margin-left: auto; display: flex; align-items: center; gap: 8px; color: #b8c0d4; font-size: 12px; }
header.top .live .dot { width: 8px; height: 8px; border-radius: 50%; background: #59d18b; box-shadow: 0 0 0 3px rgba(89,209,139,.18); }
header.top .live.off .dot { background: #8a90a0; box-shadow: none; }
header.top .live.pulse .dot { animation: pulse .8s ease-out; }
@keyframes pulse { 0% { box-shadow: 0 0 0 0 rgba(89,209,139,.7); } 100% { box-shadow: 0 0 0 9px rgba(89,209,139,0); } }

main { padding: 18px 20px 40px; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; }
.muted { color: var(--muted); }
.err { color: var(--err); }
.hidden { display: none !important; }

/* search */
.search-layout { display: grid; grid-template-columns: 260px minmax(0, 1fr); gap: 18px; align-items: start; }
form.search { padding: 16px; position: sticky; top: 12px; }
form.search h2 { margin: 0 0 12px; font-size: 14px; }
form.search label { display: block; font-size: 12px; font-weight: 600; color: #3d4455; margin: 12px 0 4px; }
form.search label .hint { font-weight: 400; color: var(--muted); }
form.search select, form.search input { width: 100%; height: 32px; padding: 4px 8px; border: 1px solid #cfd4de; border-radius: 6px; background: #fff; }
form.search input:focus, form.search select:focus { outline: 2px solid var(--accent-soft); border-color: var(--accent); }
form.search .row2 { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
form.search .row2 label { margin-top: 12px; }
form.search button.primary { margin-top: 16px; width: 100%; height: 34px; border: 0; border-radius: 6px; background: var(--accent); color: #fff; font-weight: 600; cursor: pointer; }
form.search button.primary:hover { background: #2b4cb3; }
form.search .check { display: flex; align-items: center; gap: 6px; margin-top: 12px; font-size: 12px; color: #3d4455; font-weight: 500; }
form.search .check input { width: auto; height: auto; }
.form-error { margin-top: 10px; color: var(--err); font-size: 12px; }

.results-head { display: flex; align-items: baseline; gap: 12px; margin: 0 2px 10px; }
.results-head h2 { margin: 0; font-size: 16px; }
.results-head .sort { margin-left: auto; font-size: 12px; color: var(--muted); }
.results-head select { height: 28px; border: 1px solid #cfd4de; border-radius: 6px; background: #fff; padding: 0 6px; }
.scatter { padding: 10px 12px 4px; margin-bottom: 14px; }
.scatter svg { display: block; width: 100%; height: 170px; }
.scatter .axis text { fill: var(--muted); font-size: 10.5px; }
.scatter .grid line { stroke: var(--line2); }
.scatter circle { cursor: pointer; stroke: #fff; stroke-width: 1.5; fill-opacity: .8; transition: r .1s; }
.scatter circle.error { stroke: var(--err); stroke-width: 2.2; }
.scatter circle:hover { fill-opacity: 1; }

.result { display: block; padding: 12px 14px; margin-bottom: 10px; color: inherit; cursor: pointer; transition: border-color .15s, box-shadow .15s; }
.result:hover { border-color: #b9c4e4; box-shadow: 0 2px 8px rgba(30,40,80,.07); text-decoration: none; }
.result.fresh { animation: fresh 2.2s ease-out; }
@keyframes fresh { 0% { background: #fff6d6; } 100% { background: #fff; } }
.result .line1 { display: flex; align-items: baseline; gap: 10px; }
.result .title { font-weight: 600; font-size: 14px; }
.result .title .svc { color: var(--muted); font-weight: 500; }
.result .tid { font-family: var(--mono); font-size: 11.5px; color: var(--muted); }
.result .dur { margin-left: auto; font-weight: 600; font-variant-numeric: tabular-nums; }
.result .durbar { height: 4px; background: var(--line2); border-radius: 2px; margin: 8px 0; overflow: hidden; }
.result .durbar div { height: 100%; background: #a9b8e6; border-radius: 2px; }
.result .line2 { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; }
.result .when { margin-left: auto; color: var(--muted); font-size: 12px; white-space: nowrap; }
.chip { display: inline-flex; align-items: center; gap: 5px; padding: 1px 8px 1px 6px; border-radius: 10px; background: #f0f2f6; font-size: 12px; white-space: nowrap; }
.chip i { width: 8px; height: 8px; border-radius: 2px; display: inline-block; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; background: #eef0f4; color: #3d4455; }
.badge.err { background: var(--err-soft); color: var(--err); }
.empty { padding: 36px; text-align: center; color: var(--muted); }
.empty h3 { color: var(--ink); margin: 0 0 8px; font-size: 15px; }
.empty pre { display: inline-block; text-align: left; background: #f6f7fa; border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; color: var(--ink); font-family: var(--mono); font-size: 12px; white-space: pre-wrap; margin: 10px 0 0; }

/* trace */
.trace-head { padding: 14px 18px; margin-bottom: 12px; }
.trace-head .crumbs { font-size: 12px; margin-bottom: 4px; }
.trace-head h1 { margin: 0; font-size: 18px; display: flex; align-items: baseline; gap: 10px; flex-wrap: wrap; }
.trace-head h1 .tid { font-family: var(--mono); font-size: 12px; font-weight: 400; color: var(--muted); }
.trace-head .facts { display: flex; gap: 22px; flex-wrap: wrap; margin-top: 10px; }
.trace-head .facts div { font-size: 12px; color: var(--muted); }
.trace-head .facts b { display: block; color: var(--ink); font-size: 14px; font-weight: 600; font-variant-numeric: tabular-nums; }
.trace-head .legend { display: flex; gap: 6px; flex-wrap: wrap; margin-top: 12px; align-items: center; }
.trace-head .tools { display: flex; gap: 8px; align-items: center; margin-left: auto; }
.btn { height: 28px; padding: 0 10px; border: 1px solid #cfd4de; border-radius: 6px; background: #fff; cursor: pointer; font-size: 12px; display: inline-flex; align-items: center; gap: 6px; }
.btn:hover { border-color: #9aa6c4; text-decoration: none; }
.btn.on { background: var(--accent-soft); border-color: #9db0ea; color: #22388a; }
.cp-key { display: inline-block; width: 18px; height: 4px; background: #11151f; border-radius: 2px; vertical-align: middle; }

.waterfall { overflow: hidden; }
.wf-head { display: grid; grid-template-columns: var(--name-col) 1fr; border-bottom: 1px solid var(--line); background: #fafbfc; font-size: 11.5px; color: var(--muted); height: 30px; }
.wf-head > div { padding: 7px 10px; }
.wf-head .ticks { position: relative; padding: 0; }
.wf-head .ticks span { position: absolute; top: 7px; transform: translateX(-50%); white-space: nowrap; }
.wf-head .ticks span:first-child { transform: none; padding-left: 6px; }
.wf-head .ticks span:last-child { transform: translateX(-100%); padding-right: 6px; }
.span-row { display: grid; grid-template-columns: var(--name-col) 1fr; border-bottom: 1px solid var(--line2); min-height: 28px; cursor: pointer; }
.span-row:hover { background: #f7f9fd; }
.span-row.selected { background: #eef3ff; }
.span-row .name { display: flex; align-items: center; gap: 4px; padding: 0 8px 0 0; overflow: hidden; white-space: nowrap; border-right: 1px solid var(--line2); }
.span-row .name .svcbar { align-self: stretch; width: 4px; flex: none; margin-right: 4px; }
.span-row .toggle { width: 18px; height: 18px; flex: none; border: 0; background: none; padding: 0; cursor: pointer; color: #5b6478; border-radius: 4px; font-size: 10px; line-height: 18px; text-align: center; }
.span-row .toggle:hover { background: #e3e8f3; }
.span-row .toggle.leaf { visibility: hidden; }
.span-row .svc { font-weight: 600; flex: none; }
.span-row .op { color: #2f3646; overflow: hidden; text-overflow: ellipsis; flex: 0 0 auto; max-width: 55%; }
.span-row .detail { color: var(--muted); overflow: hidden; text-overflow: ellipsis; font-size: 12px; flex: 1 1 0; min-width: 0; }
.span-row .sys { flex: none; font-size: 10.5px; padding: 0 6px; border-radius: 8px; background: #eef0f4; color: #4b5366; }
.span-row .errmark { flex: none; width: 15px; height: 15px; border-radius: 50%; background: var(--err); color: #fff; font-size: 10px; font-weight: 700; line-height: 15px; text-align: center; }
.span-row .kids { flex: none; color: var(--muted); font-size: 11px; }
.span-row .timeline { position: relative; background-image: linear-gradient(to right, var(--line2) 1px, transparent 1px); background-size: 25% 100%; }
.span-row .bar { position: absolute; top: 7px; height: 14px; min-width: 2px; border-radius: 3px; }
.span-row .bar.error { box-shadow: inset 0 0 0 2px var(--err); background-image: repeating-linear-gradient(135deg, rgba(255,255,255,.35) 0 4px, transparent 4px 8px); }
.span-row .cp { position: absolute; top: 12px; height: 4px; background: #11151f; border-radius: 2px; pointer-events: none; opacity: .85; }
.span-row .label { position: absolute; top: 6px; font-size: 11.5px; color: #3d4455; white-space: nowrap; font-variant-numeric: tabular-nums; }
.span-row .label.inside { color: #fff; top: 6.5px; font-size: 11px; font-weight: 600; text-shadow: 0 0 2px rgba(0,0,0,.35); }
.span-row .tick { position: absolute; top: 4px; width: 1px; height: 20px; background: #11151f; opacity: .55; }
.waterfall.no-cp .cp { display: none; }

.span-details { border-bottom: 1px solid var(--line); background: #fbfcfe; padding: 12px 16px 14px 18px; border-left: 4px solid var(--accent); cursor: default; }
.span-details h3 { margin: 0 0 6px; font-size: 14px; }
.span-details .meta { display: flex; flex-wrap: wrap; gap: 6px 18px; font-size: 12px; color: var(--muted); margin-bottom: 8px; }
.span-details .meta b { color: var(--ink); font-weight: 600; }
.span-details details { margin-top: 6px; }
.span-details summary { cursor: pointer; font-weight: 600; font-size: 12.5px; padding: 3px 0; color: #2f3646; }
.span-details summary .count { color: var(--muted); font-weight: 400; }
table.kv { border-collapse: collapse; width: 100%; margin: 4px 0 4px; font-size: 12px; background: #fff; border: 1px solid var(--line); border-radius: 6px; }
table.kv td { padding: 4px 10px; border-bottom: 1px solid var(--line2); vertical-align: top; }
table.kv tr:last-child td { border-bottom: 0; }
table.kv td.k { width: 30%; color: #4b5366; font-family: var(--mono); white-space: nowrap; }
table.kv td.v { font-family: var(--mono); word-break: break-all; white-space: pre-wrap; }
table.kv td.v.t-bool, table.kv td.v.t-int64, table.kv td.v.t-float64 { color: #8a3fb8; }
table.kv tr.errtag td { background: var(--err-soft); }
.event { margin: 6px 0; }
.event .at { font-size: 12px; color: var(--muted); margin-bottom: 2px; }
.event .at b { color: var(--ink); }
.status-ok { color: #1d8a4e; font-weight: 600; }
.status-error { color: var(--err); font-weight: 600; }

/* dependencies */
.deps-head { display: flex; align-items: center; gap: 12px; margin-bottom: 12px; }
.deps-head h2 { margin: 0; font-size: 16px; }
.deps-head select { margin-left: auto; height: 28px; border: 1px solid #cfd4de; border-radius: 6px; background: #fff; }
.graph { padding: 8px; overflow: auto; }
.graph svg { display: block; margin: 0 auto; }
.graph .node rect { stroke-width: 1.5; }
.graph .node text { font-size: 13px; font-weight: 600; fill: var(--ink); }
.graph .node text.sub { font-size: 11px; font-weight: 400; fill: var(--muted); }
.graph .node.peer rect { fill: #f4f5f8; stroke: #a6adbd; stroke-dasharray: 4 3; }
.graph path.edge { fill: none; stroke: #8d97ad; stroke-width: 1.6; }
.graph .edge-label { font-size: 11px; fill: #4b5366; font-weight: 600; }
.graph .edge-label-bg { fill: #fff; }
table.deps { width: 100%; border-collapse: collapse; margin-top: 14px; font-size: 12.5px; }
table.deps th, table.deps td { text-align: left; padding: 7px 14px; border-bottom: 1px solid var(--line2); }
table.deps th { color: var(--muted); font-weight: 600; font-size: 12px; }
table.deps td.n { text-align: right; font-variant-numeric: tabular-nums; }
`;
