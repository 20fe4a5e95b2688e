// The search's results: one card per trace (its name, duration against the
// longest, spans, errors, services, when), sorted as chosen, under the
// duration scatter.
import { colour } from './colours';
import { $, h, must, put } from './dom';
import { fmtAgo, fmtDate, fmtDuration, fmtTime, plural } from './format';
import { renderScatter } from './scatter';
import { type SortKey, state } from './state';
import { type TraceModel, traceTitle } from './trace-model';

const ORDER: Record<SortKey, (a: TraceModel, b: TraceModel) => number> = {
  recent: (a, b) => b.start - a.start,
  longest: (a, b) => b.duration - a.duration,
  shortest: (a, b) => a.duration - b.duration,
  spans: (a, b) => b.spans.length - a.spans.length,
  errors: (a, b) => b.errors - a.errors || b.start - a.start,
};

export function sortedResults(): TraceModel[] {
  return [...state.results].sort(ORDER[state.sort]);
}

/** Draws the results; the traces in `fresh` (arrived since the last refresh) are highlighted. */
export function renderResults(fresh = new Set<string>()): void {
  const list = $('#results');
  if (!list) return;
  const results = sortedResults();
  must('#results-count').textContent = plural(results.length, 'Trace');
  if (!results.length) {
    must('#scatter').classList.add('hidden');
    put(list, emptyState());
    return;
  }
  must('#scatter').classList.remove('hidden');
  renderScatter(results);
  const maxDur = Math.max(...results.map((t) => t.duration), 1);
  put(list, ...results.map((t) => resultCard(t, maxDur, fresh.has(t.id))));
}

function resultCard(t: TraceModel, maxDur: number, fresh: boolean): HTMLElement {
  const title = traceTitle(t);
  const chips = [...t.services.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([svc, n]) => h('span', { class: 'chip', 'data-service': svc }, h('i', { style: { background: colour(svc) } }), `${svc} (${n})`));
  return h(
    'a',
    { class: 'result panel' + (fresh ? ' fresh' : ''), href: `/trace/${t.id}`, 'data-nav': true, 'data-trace-id': t.id },
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
}

/** No results: why, and (before any trace has arrived) how to send traces here. */
function emptyState(): HTMLElement {
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
