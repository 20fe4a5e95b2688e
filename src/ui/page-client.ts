// @ts-nocheck — this function runs in the browser, not in Node: page.ts
// serves its source text as /static/app.js. It uses nothing from outside its
// own body (no imports, no closures over this module), only the DOM and the
// viewer's own query API. Everything shown is put in the DOM as text, never
// as HTML, so span data cannot inject markup.
/* eslint-disable */
export function client() {
  'use strict';

  // ------------------------------------------------------------ helpers

  const $ = (sel, root = document) => root.querySelector(sel);
  const SVG = 'http://www.w3.org/2000/svg';

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    setAttrs(el, attrs);
    append(el, children);
    return el;
  }
  function s(tag, attrs, ...children) {
    const el = document.createElementNS(SVG, tag);
    setAttrs(el, attrs);
    append(el, children);
    return el;
  }
  function setAttrs(el, attrs) {
    for (const k in attrs || {}) {
      const v = attrs[k];
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.setAttribute('class', v);
      else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'text') el.textContent = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  /** Replaces el's children (arrays flattened, null/false left out). */
  function put(el, ...children) {
    el.replaceChildren();
    append(el, children);
  }
  function append(el, children) {
    for (const c of children.flat(Infinity)) {
      if (c === undefined || c === null || c === false) continue;
      el.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
    }
  }

  async function api(path) {
    const res = await fetch(path, { headers: { Accept: 'application/json' } });
    let body;
    try {
      body = await res.json();
    } catch {
      throw new Error(`${res.status} ${res.statusText}`);
    }
    if (!res.ok || (body.errors && body.errors.length)) throw new Error((body.errors && body.errors[0] && body.errors[0].msg) || `${res.status} ${res.statusText}`);
    return body.data;
  }

  function fmtDuration(us) {
    if (us < 1) return '0µs';
    if (us < 1000) return `${Math.round(us)}µs`;
    if (us < 1e6) return `${trim(us / 1000)}ms`;
    if (us < 60e6) return `${trim(us / 1e6)}s`;
    const m = Math.floor(us / 60e6);
    return `${m}m ${Math.round((us - m * 60e6) / 1e6)}s`;
  }
  function trim(n) {
    return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1).replace(/\.0$/, '') : n.toFixed(2).replace(/\.?0+$/, '');
  }
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  function fmtTime(us, ms = true) {
    const d = new Date(us / 1000);
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${ms ? '.' + pad(d.getMilliseconds(), 3) : ''}`;
  }
  function fmtDate(us) {
    const d = new Date(us / 1000);
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${fmtTime(us)}`;
  }
  function fmtAgo(us) {
    const s = Math.max(0, (Date.now() - us / 1000) / 1000);
    if (s < 5) return 'just now';
    if (s < 60) return `${Math.floor(s)}s ago`;
    if (s < 3600) return `${Math.floor(s / 60)} min ago`;
    if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
    return `${Math.floor(s / 86400)} d ago`;
  }
  const plural = (n, w) => `${n} ${w}${n === 1 ? '' : 's'}`;

  // Service colours: a fixed palette, assigned by a hash of the name with probing so that
  // the services in view rarely share a colour, and one service keeps its colour everywhere.
  // No reds: red means error.
  const PALETTE = ['#4e79d9', '#c2569b', '#e8833a', '#9b59b6', '#d9a521', '#2e9ccf', '#6aa84f', '#8e6c5a', '#5c6bc0', '#8a9a2b', '#17a589', '#5a7d9a'];
  const colours = new Map();
  function colour(service) {
    let c = colours.get(service);
    if (c) return c;
    let hsh = 0;
    for (let i = 0; i < service.length; i++) hsh = (hsh * 31 + service.charCodeAt(i)) >>> 0;
    const used = new Set(colours.values());
    for (let i = 0; i < PALETTE.length; i++) {
      c = PALETTE[(hsh + i) % PALETTE.length];
      if (!used.has(c)) break;
    }
    colours.set(service, c);
    return c;
  }

  const tagOf = (span, key) => {
    for (const t of span.tags) if (t.key === key) return t.value;
    return undefined;
  };
  const isErr = (span) => span.tags.some((t) => t.key === 'error' && (t.value === true || t.value === 'true'));

  // ------------------------------------------------------------ trace model

  /** Jaeger trace JSON → spans with parent/children links, depth-first order, errors and summary. */
  function model(trace) {
    const spans = trace.spans.map((sp) => {
      const proc = trace.processes[sp.processID] || { serviceName: '?', tags: [] };
      return { ...sp, process: proc, service: proc.serviceName, end: sp.startTime + sp.duration, children: [], parent: null, depth: 0, error: isErr(sp), kind: tagOf(sp, 'span.kind') || '' };
    });
    const byId = new Map(spans.map((sp) => [sp.spanID, sp]));
    const roots = [];
    for (const sp of spans) {
      const ref = sp.references.find((r) => r.refType === 'CHILD_OF' && r.traceID === sp.traceID) || sp.references.find((r) => r.traceID === sp.traceID);
      const parent = ref && byId.get(ref.spanID);
      if (parent && parent !== sp) {
        sp.parent = parent;
        parent.children.push(sp);
      } else roots.push(sp);
    }
    const order = [];
    const seen = new Set();
    const visit = (sp, depth) => {
      if (seen.has(sp)) return;
      seen.add(sp);
      sp.depth = depth;
      order.push(sp);
      sp.children.sort((a, b) => a.startTime - b.startTime);
      for (const c of sp.children) visit(c, depth + 1);
    };
    roots.sort((a, b) => a.startTime - b.startTime);
    for (const r of roots) visit(r, 0);
    for (const sp of spans) if (!seen.has(sp)) { // a reference cycle: show them anyway
      sp.parent = null;
      roots.push(sp);
      visit(sp, 0);
    }
    const start = Math.min(...spans.map((x) => x.startTime));
    const end = Math.max(...spans.map((x) => x.end));
    const root = roots[0];
    const services = new Map();
    for (const sp of spans) services.set(sp.service, (services.get(sp.service) || 0) + 1);
    return {
      id: trace.traceID,
      spans: order,
      byId,
      roots,
      root,
      start,
      end,
      duration: end - start,
      services,
      errors: spans.filter((x) => x.error).length,
      depth: Math.max(...spans.map((x) => x.depth)) + 1,
    };
  }

  /** What a span did, in a few words beyond its name: route or URL, query, target. */
  function spanDetail(sp) {
    const route = tagOf(sp, 'http.route');
    const path = tagOf(sp, 'url.path');
    const full = tagOf(sp, 'url.full') || tagOf(sp, 'http.url');
    const status = tagOf(sp, 'http.response.status_code') ?? tagOf(sp, 'http.status_code');
    const q = tagOf(sp, 'db.query.text') || tagOf(sp, 'db.statement');
    let text = '';
    if (sp.kind === 'client' && full) text = String(full);
    else if (route && !sp.operationName.includes(route)) text = String(route);
    else if (path && !sp.operationName.includes(path)) text = String(path);
    else if (q && String(q) !== sp.operationName) {
      // "SELECT" + "SELECT price FROM …" reads as one: show the rest of the query after the name.
      text = String(q).startsWith(sp.operationName + ' ') ? String(q).slice(sp.operationName.length + 1) : String(q);
    }
    if (status !== undefined) text += (text ? ' → ' : '→ ') + status;
    return text;
  }

  function dbSystem(sp) {
    const v = tagOf(sp, 'db.system.name') || tagOf(sp, 'db.system');
    return v ? String(v) : '';
  }

  function traceTitle(m) {
    const r = m.root;
    const d = spanDetail(r).replace(/ →.*$/, '');
    return { service: r.service, name: r.operationName + (d && r.kind === 'server' ? ' ' + d : '') };
  }

  /**
   * The critical path (as Jaeger computes it): from the root's end, the child that finished
   * last before the current point is on the path, recursively; the gaps where no child runs
   * belong to the parent. Returns [{spanID, start, end}] segments.
   */
  function criticalPath(m) {
    const out = [];
    if (!m.root) return out;
    const rootId = m.root.spanID;
    // Children clipped to their parent's window, latest end first.
    const kids = new Map();
    for (const sp of m.spans) {
      const list = sp.children
        .filter((c) => c.startTime < sp.end && c.references.some((r) => r.refType === 'CHILD_OF'))
        .map((c) => ({ span: c, start: Math.max(c.startTime, sp.startTime), end: Math.min(c.end, sp.end) }))
        .sort((a, b) => b.end - a.end);
      kids.set(sp.spanID, list);
    }
    const win = new Map([[rootId, { start: m.root.startTime, end: m.root.end }]]);
    let cur = m.root;
    let until = m.root.end;
    for (let guard = 0; cur && guard < 100000; guard++) {
      const w = win.get(cur.spanID) || { start: cur.startTime, end: cur.end };
      const next = (kids.get(cur.spanID) || []).find((k) => k.end <= until && k.start >= w.start && k.end > k.start);
      if (next) {
        if (next.end < until) out.push({ spanID: cur.spanID, start: next.end, end: until });
        win.set(next.span.spanID, { start: next.start, end: next.end });
        cur = next.span;
        until = next.end;
      } else {
        if (w.start < until) out.push({ spanID: cur.spanID, start: w.start, end: until });
        if (cur.spanID === rootId) break;
        until = w.start;
        cur = cur.parent;
      }
    }
    return out;
  }

  // ------------------------------------------------------------ app state and routing

  const state = {
    services: [],
    results: [],
    seenResults: new Set(),
    trace: null,
    traceId: null,
    collapsed: new Set(),
    selected: new Set(),
    criticalPath: true,
    info: null,
    stats: null,
    sort: 'recent',
  };
  const app = $('#app');

  function navigate(url, replace) {
    if (replace) history.replaceState(null, '', url);
    else history.pushState(null, '', url);
    route();
  }
  window.addEventListener('popstate', route);
  document.addEventListener('click', (e) => {
    const a = e.target.closest && e.target.closest('a[data-nav]');
    if (a && !e.ctrlKey && !e.metaKey && !e.shiftKey && e.button === 0) {
      e.preventDefault();
      navigate(a.getAttribute('href'));
    }
  });

  function setNav(which) {
    for (const a of document.querySelectorAll('header.top nav a')) a.classList.toggle('active', a.dataset.view === which);
  }

  async function route() {
    const path = location.pathname;
    const m = /^\/trace\/([0-9a-fA-F]+)/.exec(path);
    if (m) return showTrace(m[1]);
    if (path.startsWith('/dependencies')) return showDependencies();
    return showSearch();
  }

  // ------------------------------------------------------------ search view

  const LOOKBACKS = [
    ['5m', 'Last 5 minutes'],
    ['15m', 'Last 15 minutes'],
    ['1h', 'Last hour'],
    ['6h', 'Last 6 hours'],
    ['24h', 'Last 24 hours'],
    ['168h', 'Last 7 days'],
    ['', 'Any time'],
  ];

  function searchParams() {
    const p = new URLSearchParams(location.search);
    return {
      service: p.get('service') || '',
      operation: p.get('operation') || '',
      tags: p.get('tags') || '',
      lookback: p.get('lookback') || '',
      minDuration: p.get('minDuration') || '',
      maxDuration: p.get('maxDuration') || '',
      limit: p.get('limit') || '20',
    };
  }

  async function showSearch() {
    setNav('search');
    state.traceId = null;
    const p = searchParams();
    document.title = 'Search · tracing-agent';
    if (!$('#search-view')) {
      put(app, buildSearchView());
      await loadServices();
    }
    const f = $('#search-form');
    f.service.value = state.services.includes(p.service) ? p.service : '';
    await loadOperations(f.service.value, p.operation);
    f.tags.value = p.tags;
    f.lookback.value = p.lookback;
    f.minDuration.value = p.minDuration;
    f.maxDuration.value = p.maxDuration;
    f.limit.value = p.limit;
    await runSearch();
  }

  function buildSearchView() {
    const form = h(
      'form',
      { id: 'search-form', class: 'search panel', onsubmit: onSearch },
      h('h2', { text: 'Search' }),
      h('label', { for: 'service', text: 'Service' }),
      h('select', { id: 'service', name: 'service', onchange: () => loadOperations($('#service').value, '') }),
      h('label', { for: 'operation', text: 'Operation' }),
      h('select', { id: 'operation', name: 'operation' }),
      h('label', { for: 'tags' }, 'Tags ', h('span', { class: 'hint', text: 'key=value …' })),
      h('input', { id: 'tags', name: 'tags', placeholder: 'error=true http.route=/order', autocomplete: 'off', spellcheck: 'false' }),
      h('label', { for: 'lookback', text: 'Lookback' }),
      h('select', { id: 'lookback', name: 'lookback' }, LOOKBACKS.map(([v, t]) => h('option', { value: v, text: t }))),
      h(
        'div',
        { class: 'row2' },
        h('div', {}, h('label', { for: 'minDuration', text: 'Min duration' }), h('input', { id: 'minDuration', name: 'minDuration', placeholder: 'e.g. 1.2ms' })),
        h('div', {}, h('label', { for: 'maxDuration', text: 'Max duration' }), h('input', { id: 'maxDuration', name: 'maxDuration', placeholder: 'e.g. 2s' })),
      ),
      h('label', { for: 'limit', text: 'Limit results' }),
      h('input', { id: 'limit', name: 'limit', type: 'number', min: '1', max: '1500', value: '20' }),
      h('button', { id: 'find', class: 'primary', type: 'submit', text: 'Find Traces' }),
      h('label', { class: 'check' }, h('input', { id: 'live-results', type: 'checkbox', checked: true }), 'Show new traces as they arrive'),
      h('div', { id: 'form-error', class: 'form-error hidden' }),
    );
    const sort = h(
      'select',
      { id: 'sort', onchange: (e) => ((state.sort = e.target.value), renderResults()) },
      h('option', { value: 'recent', text: 'Most recent' }),
      h('option', { value: 'longest', text: 'Longest first' }),
      h('option', { value: 'shortest', text: 'Shortest first' }),
      h('option', { value: 'spans', text: 'Most spans' }),
      h('option', { value: 'errors', text: 'Errors first' }),
    );
    sort.value = state.sort;
    const results = h(
      'section',
      { id: 'results-col' },
      h('div', { class: 'results-head' }, h('h2', { id: 'results-count', text: 'Traces' }), h('span', { class: 'sort' }, 'Sort ', sort)),
      h('div', { id: 'scatter', class: 'scatter panel hidden' }),
      h('div', { id: 'results' }),
    );
    return h('div', { id: 'search-view', class: 'search-layout' }, form, results);
  }

  async function loadServices() {
    try {
      state.services = await api('/api/services');
    } catch {
      state.services = [];
    }
    const sel = $('#service');
    if (!sel) return;
    const keep = sel.value;
    put(sel, h('option', { value: '', text: `All services (${state.services.length})` }), ...state.services.map((x) => h('option', { value: x, text: x })));
    sel.value = state.services.includes(keep) ? keep : '';
  }

  async function loadOperations(service, selected) {
    const sel = $('#operation');
    if (!sel) return;
    let ops = [];
    if (service) {
      try {
        ops = await api(`/api/services/${encodeURIComponent(service)}/operations`);
      } catch {
        ops = [];
      }
    }
    put(sel, h('option', { value: '', text: 'All operations' }), ...ops.map((o) => h('option', { value: o, text: o })));
    sel.value = ops.includes(selected) ? selected : '';
  }

  function onSearch(e) {
    e.preventDefault();
    const f = $('#search-form');
    const p = new URLSearchParams();
    for (const k of ['service', 'operation', 'tags', 'lookback', 'minDuration', 'maxDuration', 'limit']) {
      const v = f[k].value.trim();
      if (v && !(k === 'limit' && v === '20')) p.set(k, v);
    }
    const qs = p.toString();
    navigate('/search' + (qs ? '?' + qs : ''));
  }

  let searching = null;
  async function runSearch(quiet) {
    const p = searchParams();
    const q = new URLSearchParams();
    if (p.service) q.set('service', p.service);
    if (p.operation) q.set('operation', p.operation);
    if (p.tags) q.set('tags', p.tags);
    if (p.minDuration) q.set('minDuration', p.minDuration);
    if (p.maxDuration) q.set('maxDuration', p.maxDuration);
    q.set('limit', p.limit || '20');
    if (p.lookback) {
      q.set('lookback', p.lookback);
      q.set('end', String(Date.now() * 1000));
    }
    const errBox = $('#form-error');
    const my = (searching = {});
    try {
      const data = await api('/api/traces?' + q);
      if (searching !== my) return;
      errBox.classList.add('hidden');
      const fresh = new Set();
      if (quiet) for (const t of data) if (!state.seenResults.has(t.traceID)) fresh.add(t.traceID);
      state.results = data.map(model);
      for (const t of data) state.seenResults.add(t.traceID);
      renderResults(fresh);
    } catch (err) {
      if (searching !== my) return;
      errBox.textContent = err.message;
      errBox.classList.remove('hidden');
      if (!quiet) {
        state.results = [];
        renderResults();
      }
    }
  }

  function sortedResults() {
    const r = [...state.results];
    const by = {
      recent: (a, b) => b.start - a.start,
      longest: (a, b) => b.duration - a.duration,
      shortest: (a, b) => a.duration - b.duration,
      spans: (a, b) => b.spans.length - a.spans.length,
      errors: (a, b) => b.errors - a.errors || b.start - a.start,
    }[state.sort];
    return r.sort(by);
  }

  function renderResults(fresh = new Set()) {
    const list = $('#results');
    if (!list) return;
    const results = sortedResults();
    $('#results-count').textContent = plural(results.length, 'Trace');
    if (!results.length) {
      $('#scatter').classList.add('hidden');
      put(list, emptyState());
      return;
    }
    $('#scatter').classList.remove('hidden');
    renderScatter(results);
    const maxDur = Math.max(...results.map((t) => t.duration), 1);
    put(list, 
      ...results.map((t) => {
        const title = traceTitle(t);
        const chips = [...t.services.entries()].sort((a, b) => b[1] - a[1]).map(([svc, n]) => h('span', { class: 'chip', 'data-service': svc }, h('i', { style: { background: colour(svc) } }), `${svc} (${n})`));
        return h(
          'a',
          { class: 'result panel' + (fresh.has(t.id) ? ' fresh' : ''), href: `/trace/${t.id}`, 'data-nav': true, 'data-trace-id': t.id },
          h(
            'div',
            { class: 'line1' },
            h('span', { class: 'title' }, h('span', { class: 'svc', text: title.service + ': ' }), title.name),
            h('span', { class: 'tid', text: t.id.slice(0, 7) }),
            h('span', { class: 'dur', text: fmtDuration(t.duration) }),
          ),
          h('div', { class: 'durbar' }, h('div', { style: { width: `${Math.max(0.5, (t.duration / maxDur) * 100)}%`, background: colour(t.root.service) } })),
          h(
            'div',
            { class: 'line2' },
            h('span', { class: 'badge', text: plural(t.spans.length, 'span') }),
            t.errors ? h('span', { class: 'badge err', text: plural(t.errors, 'error') }) : null,
            chips,
            h('span', { class: 'when', title: fmtDate(t.start), text: `${fmtTime(t.start, false)} · ${fmtAgo(t.start)}` }),
          ),
        );
      }),
    );
  }

  function emptyState() {
    const info = state.info;
    const anyTraces = state.stats && state.stats.traces > 0;
    return h(
      'div',
      { class: 'empty panel' },
      h('h3', { text: anyTraces ? 'No traces match this search' : 'No traces yet' }),
      anyTraces
        ? h('div', { text: 'Try another service, fewer tags, a wider lookback or no duration bounds.' })
        : [
            h('div', { text: 'Run an app under the agent, pointed at this viewer; its traces appear here as they arrive:' }),
            h('pre', {
              text: `OTEL_SERVICE_NAME=my-app \\\nOTEL_EXPORTER_OTLP_ENDPOINT=${(info && info.otlp) || 'http://127.0.0.1:4318'} \\\nnode --import tracing-agent/register app.js`,
            }),
          ],
    );
  }

  /** 1, 2 or 5 × a power of ten, at least `raw`. */
  function niceStep(raw) {
    const p = Math.pow(10, Math.floor(Math.log10(raw)));
    for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
    return 10 * p;
  }

  function renderScatter(results) {
    const box = $('#scatter');
    const W = Math.max(300, box.clientWidth - 24);
    const H = 170;
    const M = { l: 58, r: 14, t: 12, b: 24 };
    const t0 = Math.min(...results.map((t) => t.start));
    let t1 = Math.max(...results.map((t) => t.start));
    const span = Math.max(t1 - t0, 1000);
    const x = (v) => M.l + ((v - t0) / span) * (W - M.l - M.r) * (t1 === t0 ? 0 : 1) + (t1 === t0 ? (W - M.l - M.r) / 2 : 0);
    const step = niceStep(Math.max(...results.map((t) => t.duration), 1) / 4);
    const steps = Math.max(1, Math.ceil((Math.max(...results.map((t) => t.duration), 1) * 1.05) / step));
    const dMax = step * steps;
    const y = (v) => H - M.b - (v / dMax) * (H - M.t - M.b);
    const svg = s('svg', { id: 'scatter-svg', viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', style: { height: H + 'px' } });
    const grid = s('g', { class: 'grid' });
    const axis = s('g', { class: 'axis' });
    for (let i = 0; i <= steps; i++) {
      const v = step * i;
      grid.appendChild(s('line', { x1: M.l, x2: W - M.r, y1: y(v), y2: y(v) }));
      axis.appendChild(s('text', { x: M.l - 8, y: y(v) + 3.5, 'text-anchor': 'end', text: fmtDuration(v) }));
    }
    const ticks = t1 === t0 ? 1 : 4;
    for (let i = 0; i <= ticks; i++) {
      const v = t1 === t0 ? t0 : t0 + (span / ticks) * i;
      axis.appendChild(s('text', { x: x(v), y: H - 6, 'text-anchor': i === 0 && ticks > 1 ? 'start' : i === ticks && ticks > 1 ? 'end' : 'middle', text: fmtTime(v, span < 10e6) }));
    }
    svg.append(grid, axis);
    const dots = s('g', { class: 'dots' });
    for (const t of [...results].sort((a, b) => b.duration - a.duration)) {
      const r = 4 + Math.min(7, Math.sqrt(t.spans.length));
      const title = traceTitle(t);
      dots.appendChild(
        s(
          'circle',
          { cx: x(t.start), cy: y(t.duration), r, fill: colour(t.root.service), class: t.errors ? 'error' : '', 'data-trace-id': t.id, onclick: () => navigate(`/trace/${t.id}`) },
          s('title', { text: `${title.service}: ${title.name}\n${fmtDuration(t.duration)} · ${plural(t.spans.length, 'span')}${t.errors ? ' · ' + plural(t.errors, 'error') : ''}\n${fmtDate(t.start)}` }),
        ),
      );
    }
    svg.appendChild(dots);
    put(box, svg);
  }

  // ------------------------------------------------------------ trace view

  async function showTrace(id, refresh) {
    setNav('trace');
    if (!refresh || state.traceId !== id) {
      state.collapsed = new Set();
      state.selected = new Set();
    }
    state.traceId = id;
    let data;
    try {
      data = await api(`/api/traces/${id}`);
    } catch (err) {
      if (refresh) return;
      put(app, h('div', { class: 'empty panel' }, h('h3', { text: 'Trace not found' }), h('div', { text: `${id}: ${err.message}` }), h('p', {}, h('a', { href: '/search', 'data-nav': true, text: '← Back to search' }))));
      return;
    }
    if (state.traceId !== id) return;
    const m = model(data[0]);
    state.trace = m;
    const title = traceTitle(m);
    document.title = `${title.service}: ${title.name} · tracing-agent`;
    const scrollY = window.scrollY;
    put(app, traceHeader(m), waterfall(m));
    if (refresh) window.scrollTo(0, scrollY);
  }

  function traceHeader(m) {
    const title = traceTitle(m);
    const cpBtn = h('button', {
      id: 'cp-toggle',
      class: 'btn' + (state.criticalPath ? ' on' : ''),
      type: 'button',
      title: 'The spans (and parts of spans) the trace waited on: shorten these to make it faster',
      onclick: () => {
        state.criticalPath = !state.criticalPath;
        cpBtn.classList.toggle('on', state.criticalPath);
        $('.waterfall').classList.toggle('no-cp', !state.criticalPath);
      },
    }, h('span', { class: 'cp-key' }), 'Critical path');
    return h(
      'div',
      { class: 'trace-head panel' },
      h('div', { class: 'crumbs' }, h('a', { href: '/search' + (sessionStorage.getItem('lastSearch') || ''), 'data-nav': true, text: '← Search' })),
      h('h1', {}, h('span', {}, h('span', { class: 'muted', text: title.service + ': ' }), title.name), h('span', { class: 'tid', text: m.id })),
      h(
        'div',
        { class: 'facts' },
        h('div', {}, 'Trace start', h('b', { text: fmtDate(m.start) })),
        h('div', {}, 'Duration', h('b', { text: fmtDuration(m.duration) })),
        h('div', {}, 'Services', h('b', { text: String(m.services.size) })),
        h('div', {}, 'Depth', h('b', { text: String(m.depth) })),
        h('div', {}, 'Total spans', h('b', { id: 'span-count', text: String(m.spans.length) })),
        h('div', {}, 'Errors', h('b', { class: m.errors ? 'err' : '', text: String(m.errors) })),
      ),
      h(
        'div',
        { class: 'legend' },
        [...m.services.entries()].map(([svc, n]) => h('span', { class: 'chip' }, h('i', { style: { background: colour(svc) } }), `${svc} (${n})`)),
        h(
          'span',
          { class: 'tools' },
          cpBtn,
          h('button', { class: 'btn', type: 'button', id: 'expand-all', onclick: () => ((state.collapsed = new Set()), rerenderWaterfall()), text: 'Expand all' }),
          h('button', { class: 'btn', type: 'button', id: 'collapse-all', onclick: () => ((state.collapsed = new Set(m.roots.flatMap((r) => r.children.filter((c) => c.children.length).map((c) => c.spanID)))), rerenderWaterfall()), text: 'Collapse all' }),
          h('a', { class: 'btn', href: `/api/traces/${m.id}`, target: '_blank', text: 'JSON' }),
        ),
      ),
    );
  }

  function rerenderWaterfall() {
    const old = $('.waterfall');
    if (old && state.trace) old.replaceWith(waterfall(state.trace));
  }

  function waterfall(m) {
    const cp = criticalPath(m);
    const cpBySpan = new Map();
    for (const seg of cp) {
      if (!cpBySpan.has(seg.spanID)) cpBySpan.set(seg.spanID, []);
      cpBySpan.get(seg.spanID).push(seg);
    }
    const dur = Math.max(m.duration, 1);
    const pct = (v) => ((v - m.start) / dur) * 100;
    const head = h(
      'div',
      { class: 'wf-head' },
      h('div', { text: 'Service & operation' }),
      h('div', { class: 'ticks' }, [0, 0.25, 0.5, 0.75, 1].map((f) => h('span', { style: { left: f * 100 + '%' }, text: fmtDuration(dur * f) }))),
    );
    const rows = [];
    const hiddenUnder = (sp) => {
      for (let p = sp.parent; p; p = p.parent) if (state.collapsed.has(p.spanID)) return true;
      return false;
    };
    for (const sp of m.spans) {
      if (hiddenUnder(sp)) continue;
      const collapsed = state.collapsed.has(sp.spanID);
      const left = pct(sp.startTime);
      const width = (sp.duration / dur) * 100;
      const detail = spanDetail(sp);
      // The duration label: after the bar, or inside a wide bar near the right edge, or before it.
      const labelAt = left + width <= 82 ? 'after' : width > 14 ? 'inside' : 'before';
      const row = h(
        'div',
        {
          class: 'span-row' + (state.selected.has(sp.spanID) ? ' selected' : '') + (sp.error ? ' is-error' : ''),
          'data-span-id': sp.spanID,
          'data-service': sp.service,
          'data-depth': sp.depth,
          onclick: (e) => {
            if (e.target.closest('.toggle')) return;
            if (state.selected.has(sp.spanID)) state.selected.delete(sp.spanID);
            else state.selected.add(sp.spanID);
            rerenderWaterfall();
          },
        },
        h(
          'div',
          { class: 'name', style: { paddingLeft: sp.depth * 16 + 'px' } },
          h('span', { class: 'svcbar', style: { background: colour(sp.service) } }),
          h('button', {
            class: 'toggle' + (sp.children.length ? '' : ' leaf'),
            type: 'button',
            title: collapsed ? 'Expand' : 'Collapse',
            'aria-expanded': String(!collapsed),
            text: collapsed ? '▶' : '▼',
            onclick: () => {
              if (collapsed) state.collapsed.delete(sp.spanID);
              else state.collapsed.add(sp.spanID);
              rerenderWaterfall();
            },
          }),
          sp.error ? h('span', { class: 'errmark', title: 'error', text: '!' }) : null,
          h('span', { class: 'svc', text: sp.service }),
          h('span', { class: 'op', text: sp.operationName }),
          detail ? h('span', { class: 'detail', title: detail, text: detail }) : null,
          dbSystem(sp) ? h('span', { class: 'sys', text: dbSystem(sp) }) : null,
          collapsed ? h('span', { class: 'kids', text: `(${countDescendants(sp)})` }) : null,
        ),
        h(
          'div',
          { class: 'timeline' },
          h('div', { class: 'bar' + (sp.error ? ' error' : ''), style: { left: left + '%', width: `max(2px, ${width}%)`, background: colour(sp.service) } }),
          (cpBySpan.get(sp.spanID) || []).map((seg) => h('div', { class: 'cp', title: 'critical path', style: { left: pct(seg.start) + '%', width: `max(2px, ${((seg.end - seg.start) / dur) * 100}%)` } })),
          sp.logs.map((l) => h('div', { class: 'tick', title: logTitle(l), style: { left: pct(l.timestamp) + '%' } })),
          h('span', {
            class: 'label' + (labelAt === 'inside' ? ' inside' : ''),
            style: labelAt === 'after' ? { left: left + width + 0.6 + '%' } : labelAt === 'inside' ? { right: 100 - left - width + 0.6 + '%' } : { right: 100 - left + 0.6 + '%' },
            text: fmtDuration(sp.duration),
          }),
        ),
      );
      rows.push(row);
      if (state.selected.has(sp.spanID)) rows.push(spanDetails(sp, m));
    }
    return h('div', { class: 'waterfall panel' + (state.criticalPath ? '' : ' no-cp') }, head, rows);
  }

  function countDescendants(sp) {
    let n = 0;
    const walk = (x) => {
      for (const c of x.children) {
        n++;
        walk(c);
      }
    };
    walk(sp);
    return n;
  }

  function logTitle(l) {
    const ev = l.fields.find((f) => f.key === 'event');
    return ev ? String(ev.value) : 'log';
  }

  function kvTable(tags, cls) {
    if (!tags.length) return h('div', { class: 'muted', text: 'none' });
    return h(
      'table',
      { class: 'kv' + (cls ? ' ' + cls : '') },
      tags.map((t) =>
        h(
          'tr',
          { class: (t.key === 'error' && t.value === true) || (t.key === 'otel.status_code' && t.value === 'ERROR') ? 'errtag' : '' },
          h('td', { class: 'k', text: t.key }),
          h('td', { class: 'v t-' + t.type, title: t.type, text: String(t.value) }),
        ),
      ),
    );
  }

  function spanDetails(sp, m) {
    const status = tagOf(sp, 'otel.status_code');
    const statusText = sp.error ? 'ERROR' : status || 'UNSET';
    const desc = tagOf(sp, 'otel.status_description');
    const parentRef = sp.references.find((r) => r.refType === 'CHILD_OF');
    const own = sp.tags.filter((t) => !['span.kind', 'otel.status_code', 'otel.status_description', 'error'].includes(t.key) || (t.key === 'error' && !status));
    return h(
      'div',
      { class: 'span-details', style: { borderLeftColor: colour(sp.service) }, 'data-span-id': sp.spanID },
      h('h3', {}, h('span', { class: 'muted', text: sp.service + ': ' }), sp.operationName),
      h(
        'div',
        { class: 'meta' },
        h('span', {}, 'Status ', h('b', { class: sp.error ? 'status-error' : status === 'OK' ? 'status-ok' : '', text: statusText + (desc ? ` — ${desc}` : '') })),
        h('span', {}, 'Kind ', h('b', { text: sp.kind || '—' })),
        h('span', {}, 'Duration ', h('b', { text: fmtDuration(sp.duration) })),
        h('span', {}, 'Start ', h('b', { text: '+' + fmtDuration(sp.startTime - m.start) }), ` (${fmtTime(sp.startTime)})`),
        h('span', {}, 'Span ID ', h('b', { class: 'mono', text: sp.spanID })),
        parentRef ? h('span', {}, 'Parent ', h('b', { class: 'mono', text: parentRef.spanID })) : null,
      ),
      h('details', { open: true, class: 'attributes' }, h('summary', {}, 'Attributes ', h('span', { class: 'count', text: `(${own.length})` })), kvTable(own)),
      h(
        'details',
        { open: sp.logs.length > 0, class: 'events' },
        h('summary', {}, 'Events ', h('span', { class: 'count', text: `(${sp.logs.length})` })),
        sp.logs.length
          ? sp.logs.map((l) => h('div', { class: 'event' }, h('div', { class: 'at' }, h('b', { text: logTitle(l) }), ` at +${fmtDuration(l.timestamp - m.start)}`), kvTable(l.fields.filter((f) => f.key !== 'event'))))
          : h('div', { class: 'muted', text: 'none' }),
      ),
      h('details', { class: 'process' }, h('summary', {}, 'Process ', h('span', { class: 'count', text: `${sp.service} (${sp.process.tags.length} tags)` })), kvTable(sp.process.tags)),
      sp.references.length > (parentRef ? 1 : 0)
        ? h(
            'details',
            { class: 'refs' },
            h('summary', { text: 'References' }),
            kvTable(sp.references.map((r) => ({ key: r.refType, type: 'string', value: `${r.traceID} / ${r.spanID}` }))),
          )
        : null,
    );
  }

  // ------------------------------------------------------------ dependencies view

  async function showDependencies(refresh) {
    setNav('deps');
    state.traceId = null;
    document.title = 'Dependencies · tracing-agent';
    let lookback = (refresh && $('#deps-lookback') && $('#deps-lookback').value) || '86400000';
    let deps;
    try {
      deps = await api(`/api/dependencies?endTs=${Date.now()}&lookback=${lookback}`);
    } catch (err) {
      put(app, h('div', { class: 'empty panel' }, h('h3', { text: 'Cannot load dependencies' }), h('div', { text: err.message })));
      return;
    }
    if (!location.pathname.startsWith('/dependencies')) return;
    if (!state.services.length) await loadServices();
    const select = h(
      'select',
      { id: 'deps-lookback', onchange: () => showDependencies(true) },
      [
        ['900000', 'Last 15 minutes'],
        ['3600000', 'Last hour'],
        ['86400000', 'Last 24 hours'],
        ['604800000', 'Last 7 days'],
      ].map(([v, t]) => h('option', { value: v, text: t })),
    );
    select.value = lookback;
    const nodes = new Set();
    for (const d of deps) nodes.add(d.parent).add(d.child);
    put(app, 
      h('div', { class: 'deps-head' }, h('h2', { text: 'Service dependencies' }), h('span', { class: 'muted', text: `${plural(nodes.size, 'node')}, ${plural(deps.length, 'edge')}` }), select),
      deps.length
        ? h('div', { class: 'graph panel' }, dependencyGraph(deps))
        : h('div', { class: 'empty panel' }, h('h3', { text: 'No calls between services yet' }), h('div', { text: 'Calls appear here when traces cross from one service into another, or into a database.' })),
      deps.length
        ? h(
            'table',
            { class: 'deps panel' },
            h('tr', {}, h('th', { text: 'Caller' }), h('th', { text: 'Callee' }), h('th', { text: 'Calls', style: { textAlign: 'right' } })),
            deps.map((d) => h('tr', {}, h('td', { text: d.parent }), h('td', { text: d.child }), h('td', { class: 'n', text: String(d.callCount) }))),
          )
        : null,
    );
  }

  /** A layered drawing: callers left of callees (longest path from the entry services), curved edges labelled with call counts. */
  function dependencyGraph(deps) {
    const names = [...new Set(deps.flatMap((d) => [d.parent, d.child]))];
    const out = new Map(names.map((n) => [n, []]));
    const inc = new Map(names.map((n) => [n, []]));
    for (const d of deps) {
      if (d.parent === d.child) continue;
      out.get(d.parent).push(d.child);
      inc.get(d.child).push(d.parent);
    }
    // Layers: longest path from a source, ignoring edges that close a cycle.
    const layer = new Map();
    const onStack = new Set();
    const back = new Set();
    const depth = (n) => {
      if (layer.has(n)) return layer.get(n);
      onStack.add(n);
      let l = 0;
      for (const p of inc.get(n)) {
        if (onStack.has(p)) {
          back.add(p + '\0' + n);
          continue;
        }
        l = Math.max(l, depth(p) + 1);
      }
      onStack.delete(n);
      layer.set(n, l);
      return l;
    };
    for (const n of names) depth(n);
    const layers = [];
    for (const n of names) (layers[layer.get(n)] ||= []).push(n);
    // Order within a layer by the mean position of the callers (one pass is enough for small graphs).
    const pos = new Map();
    layers.forEach((ns, li) => {
      if (li > 0) {
        const key = (n) => {
          const ps = inc.get(n).filter((p) => pos.has(p));
          return ps.length ? ps.reduce((a, p) => a + pos.get(p), 0) / ps.length : 0;
        };
        ns.sort((a, b) => key(a) - key(b) || (a < b ? -1 : 1));
      } else ns.sort();
      ns.forEach((n, i) => pos.set(n, i - (ns.length - 1) / 2));
    });
    const isService = (n) => state.services.includes(n);
    const NW = 172;
    const NH = 50;
    const GX = 120;
    const GY = 34;
    const maxRows = Math.max(...layers.map((l) => l.length));
    const W = layers.length * NW + (layers.length - 1) * GX + 40;
    const H = maxRows * NH + (maxRows - 1) * GY + 60;
    const xy = new Map();
    layers.forEach((ns, li) => ns.forEach((n) => xy.set(n, { x: 20 + li * (NW + GX), y: H / 2 + pos.get(n) * (NH + GY) - NH / 2 })));
    const svg = s('svg', { id: 'dep-graph', width: W, height: H, viewBox: `0 0 ${W} ${H}` });
    svg.appendChild(s('defs', {}, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: '9', refY: '5', markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse' }, s('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#8d97ad' }))));
    const edges = s('g', { class: 'edges' });
    const labels = s('g', { class: 'labels' });
    const counts = new Map();
    for (const d of deps) {
      const a = xy.get(d.parent);
      const b = xy.get(d.child);
      let path;
      let lx;
      let ly;
      if (d.parent === d.child) {
        path = `M${a.x + NW - 30},${a.y} C${a.x + NW - 10},${a.y - 46} ${a.x + NW + 30},${a.y - 10} ${a.x + NW},${a.y + 12}`;
        lx = a.x + NW + 8;
        ly = a.y - 24;
      } else if (b.x > a.x) {
        const x1 = a.x + NW;
        const y1 = a.y + NH / 2;
        const x2 = b.x - 2;
        const y2 = b.y + NH / 2;
        const mx = (x1 + x2) / 2;
        path = `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`;
        lx = mx;
        ly = (y1 + y2) / 2;
      } else {
        // Against the layering (a cycle or same layer): an arc below.
        const x1 = a.x + NW / 2;
        const x2 = b.x + NW / 2 + 8;
        const y1 = a.y + NH;
        const y2 = b.y + NH + 2;
        const dip = Math.max(y1, y2) + 40;
        path = `M${x1},${y1} C${x1},${dip} ${x2},${dip} ${x2},${y2}`;
        lx = (x1 + x2) / 2;
        ly = dip - 10;
      }
      edges.appendChild(s('path', { class: 'edge', d: path, 'marker-end': 'url(#arrow)', 'data-parent': d.parent, 'data-child': d.child }, s('title', { text: `${d.parent} → ${d.child}: ${plural(d.callCount, 'call')}` })));
      const text = String(d.callCount);
      const w = 8 + text.length * 7;
      labels.appendChild(s('g', {}, s('rect', { class: 'edge-label-bg', x: lx - w / 2, y: ly - 9, width: w, height: 16, rx: 8 }), s('text', { class: 'edge-label', x: lx, y: ly + 3.5, 'text-anchor': 'middle', text })));
      counts.set(d.child, (counts.get(d.child) || 0) + d.callCount);
    }
    svg.append(edges, labels);
    const nodes = s('g', { class: 'nodes' });
    for (const n of names) {
      const { x, y } = xy.get(n);
      const svc = isService(n);
      const callers = inc.get(n).length;
      const callees = out.get(n).length;
      const sub = svc ? `${callers ? plural(counts.get(n) || 0, 'call') + ' in' : 'entry'}${callees ? ` · calls ${callees}` : ''}` : 'database / peer';
      nodes.appendChild(
        s(
          'g',
          { class: 'node' + (svc ? ' service' : ' peer'), 'data-name': n, transform: `translate(${x},${y})` },
          s('rect', { width: NW, height: NH, rx: 9, fill: svc ? '#fff' : null, stroke: svc ? colour(n) : null }),
          svc ? s('rect', { width: 6, height: NH - 2, x: 1, y: 1, rx: 3, fill: colour(n), stroke: 'none' }) : null,
          s('text', { x: 16, y: 21, text: n.length > 20 ? n.slice(0, 19) + '…' : n }, s('title', { text: n })),
          s('text', { class: 'sub', x: 16, y: 38, text: sub }),
        ),
      );
    }
    svg.appendChild(nodes);
    return svg;
  }

  // ------------------------------------------------------------ live updates

  const liveEl = $('#live');
  function setLive(on, stats) {
    if (stats) state.stats = stats;
    liveEl.classList.toggle('off', !on);
    $('#live-text').textContent = (on ? 'live' : 'reconnecting…') + (state.stats ? ` · ${plural(state.stats.traces, 'trace')}` : '');
  }

  let refreshTimer = null;
  function onUpdate(msg) {
    setLive(true, msg.stats);
    liveEl.classList.remove('pulse');
    void liveEl.offsetWidth;
    liveEl.classList.add('pulse');
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(async () => {
      const path = location.pathname;
      if (state.traceId && path.startsWith('/trace/')) {
        if (msg.traces && msg.traces.some((t) => state.traceId.replace(/^0+/, '') === t.replace(/^0+/, ''))) await showTrace(state.traceId, true);
      } else if (path.startsWith('/dependencies')) {
        await showDependencies(true);
      } else if ($('#search-view')) {
        await loadServices();
        const live = $('#live-results');
        if (!live || live.checked) await runSearch(true);
      }
    }, 300);
  }

  function connectLive() {
    if (!window.EventSource) return poll();
    const es = new EventSource('/api/live');
    es.addEventListener('hello', (e) => setLive(true, JSON.parse(e.data).stats));
    es.addEventListener('update', (e) => onUpdate(JSON.parse(e.data)));
    es.onerror = () => setLive(false);
  }

  let lastVersion = -1;
  async function poll() {
    try {
      const st = await api('/api/stats');
      if (lastVersion >= 0 && st.version !== lastVersion) onUpdate({ stats: st, traces: [] });
      else setLive(true, st);
      lastVersion = st.version;
    } catch {
      setLive(false);
    }
    setTimeout(poll, 3000);
  }

  // Remember the last search so "← Search" returns to it.
  const origPush = history.pushState.bind(history);
  history.pushState = (a, b, url) => {
    if (location.pathname.startsWith('/search') || location.pathname === '/') sessionStorage.setItem('lastSearch', location.search);
    origPush(a, b, url);
  };

  window.addEventListener('resize', () => {
    if ($('#scatter') && state.results.length) renderScatter(sortedResults());
  });

  api('/api/info')
    .then((info) => (state.info = info))
    .catch(() => {});
  api('/api/stats')
    .then((st) => setLive(true, st))
    .catch(() => setLive(false));
  connectLive();
  route();
}
