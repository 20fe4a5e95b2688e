// The dependencies view (/dependencies): which service calls which (and which
// databases and peers), over a chosen lookback, as a graph and a table.
import { type Dependency, getDependencies } from './api';
import { dependencyGraph } from './dependency-graph';
import { $, h, message, must, put } from './dom';
import { plural } from './format';
import { setNav } from './router';
import { loadServices } from './search';
import { state } from './state';

// Lookbacks in ms, as the dependencies API takes them.
const LOOKBACKS = [
  ['900000', 'Last 15 minutes'],
  ['3600000', 'Last hour'],
  ['86400000', 'Last 24 hours'],
  ['604800000', 'Last 7 days'],
];

/** Shows the graph; `refresh` (a live update, a new lookback) keeps the lookback chosen. */
export async function showDependencies(refresh?: boolean): Promise<void> {
  setNav('deps');
  state.traceId = null;
  document.title = 'Dependencies · tracing-agent';
  const app = must('#app');
  const lookback = (refresh && $<HTMLSelectElement>('#deps-lookback')?.value) || '86400000';
  let deps: Dependency[];
  try {
    deps = await getDependencies(Date.now(), lookback);
  } catch (err) {
    put(app, h('div', { class: 'empty panel' }, h('h3', { text: 'Cannot load dependencies' }), h('div', { text: message(err) })));
    return;
  }
  // Another view was asked for meanwhile.
  if (!location.pathname.startsWith('/dependencies')) return;
  // Services are drawn as such, the rest as databases or peers.
  if (!state.services.length) await loadServices();
  const select = h(
    'select',
    { id: 'deps-lookback', onchange: () => showDependencies(true) },
    LOOKBACKS.map(([v, t]) => h('option', { value: v, text: t })),
  );
  select.value = lookback;
  const nodes = new Set<string>();
  for (const d of deps) nodes.add(d.parent).add(d.child);
  put(
    app,
    h(
      'div',
      { class: 'deps-head' },
      h('h2', { text: 'Service dependencies' }),
      h('span', { class: 'muted', text: `${plural(nodes.size, 'node')}, ${plural(deps.length, 'edge')}` }),
      select,
    ),
    deps.length
      ? h('div', { class: 'graph panel' }, dependencyGraph(deps, state.services))
      : h(
          'div',
          { class: 'empty panel' },
          h('h3', { text: 'No calls between services yet' }),
          h('div', { text: 'Calls appear here when traces cross from one service into another, or into a database.' }),
        ),
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
