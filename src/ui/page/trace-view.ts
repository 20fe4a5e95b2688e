// The trace view (/trace/{id}): a header with the trace's facts and service
// legend, its tools (critical path, expand, collapse, JSON), and the waterfall.
import { getTrace } from './api';
import { colour } from './colours';
import { h, message, must, put } from './dom';
import { fmtDate, fmtDuration } from './format';
import { lastSearch, setNav } from './router';
import { state } from './state';
import { type TraceModel, model, traceTitle } from './trace-model';
import { rerenderWaterfall, waterfall } from './waterfall';

/** Shows trace `id`; `refresh` (a live update of the trace on view) keeps collapsed and selected spans and the scroll position. */
export async function showTrace(id: string, refresh?: boolean): Promise<void> {
  setNav('trace');
  if (!refresh || state.traceId !== id) {
    state.collapsed = new Set();
    state.selected = new Set();
  }
  state.traceId = id;
  const app = must('#app');
  let data;
  try {
    data = await getTrace(id);
  } catch (err) {
    if (refresh) return;
    put(
      app,
      h(
        'div',
        { class: 'empty panel' },
        h('h3', { text: 'Trace not found' }),
        h('div', { text: `${id}: ${message(err)}` }),
        h('p', {}, h('a', { href: '/search', 'data-nav': true, text: '← Back to search' })),
      ),
    );
    return;
  }
  // Another trace was asked for meanwhile.
  if (state.traceId !== id) return;
  const m = model(data[0]);
  state.trace = m;
  const title = traceTitle(m);
  document.title = `${title.service}: ${title.name} · tracing-agent`;
  const scrollY = window.scrollY;
  put(app, traceHeader(m), waterfall(m));
  if (refresh) window.scrollTo(0, scrollY);
}

function traceHeader(m: TraceModel): HTMLElement {
  const title = traceTitle(m);
  const cpBtn = h(
    'button',
    {
      id: 'cp-toggle',
      class: 'btn' + (state.criticalPath ? ' on' : ''),
      type: 'button',
      title: 'The spans (and parts of spans) the trace waited on: shorten these to make it faster',
      onclick: () => {
        state.criticalPath = !state.criticalPath;
        cpBtn.classList.toggle('on', state.criticalPath);
        must('.waterfall').classList.toggle('no-cp', !state.criticalPath);
      },
    },
    h('span', { class: 'cp-key' }),
    'Critical path',
  );
  const expandAll = (): void => {
    state.collapsed = new Set();
    rerenderWaterfall();
  };
  // Everything below the roots' children: the first two levels stay in view.
  const collapseAll = (): void => {
    state.collapsed = new Set(m.roots.flatMap((r) => r.children.filter((c) => c.children.length).map((c) => c.spanID)));
    rerenderWaterfall();
  };
  return h(
    'div',
    { class: 'trace-head panel' },
    h('div', { class: 'crumbs' }, h('a', { href: '/search' + lastSearch(), 'data-nav': true, text: '← Search' })),
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
        h('button', { class: 'btn', type: 'button', id: 'expand-all', onclick: expandAll, text: 'Expand all' }),
        h('button', { class: 'btn', type: 'button', id: 'collapse-all', onclick: collapseAll, text: 'Collapse all' }),
        h('a', { class: 'btn', href: `/api/traces/${m.id}`, target: '_blank', text: 'JSON' }),
      ),
    ),
  );
}
