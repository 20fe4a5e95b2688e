// The search view: the form (service, operation, tags, lookback, durations,
// limit) on the left, the results on the right. The form's values live in the
// URL (/search?service=…), so a search can be linked, reloaded and gone back to.
import { findTraces, getOperations, getServices } from './api';
import { $, h, message, must, put } from './dom';
import { renderResults } from './results';
import { navigate, setNav } from './router';
import { type SortKey, state } from './state';
import { model } from './trace-model';

const LOOKBACKS = [
  ['5m', 'Last 5 minutes'],
  ['15m', 'Last 15 minutes'],
  ['1h', 'Last hour'],
  ['6h', 'Last 6 hours'],
  ['24h', 'Last 24 hours'],
  ['168h', 'Last 7 days'],
  ['', 'Any time'],
];

/** The form's fields, by name (each field's id is its name). */
const FIELDS = ['service', 'operation', 'tags', 'lookback', 'minDuration', 'maxDuration', 'limit'] as const;
type Field = (typeof FIELDS)[number];
type SearchParams = Record<Field, string>;

function searchParams(): SearchParams {
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

const field = (name: Field): HTMLInputElement | HTMLSelectElement => must<HTMLInputElement | HTMLSelectElement>(`#search-form #${name}`);

export async function showSearch(): Promise<void> {
  setNav('search');
  state.traceId = null;
  const p = searchParams();
  document.title = 'Search · tracing-agent';
  if (!$('#search-view')) {
    put(must('#app'), buildSearchView());
    await loadServices();
  }
  field('service').value = state.services.includes(p.service) ? p.service : '';
  await loadOperations(field('service').value, p.operation);
  for (const k of ['tags', 'lookback', 'minDuration', 'maxDuration', 'limit'] as const) field(k).value = p[k];
  await runSearch();
}

function buildSearchView(): HTMLElement {
  const form = h(
    'form',
    { id: 'search-form', class: 'search panel', onsubmit: onSearch },
    h('h2', { text: 'Search' }),
    h('label', { for: 'service', text: 'Service' }),
    h('select', { id: 'service', name: 'service', onchange: () => loadOperations(field('service').value, '') }),
    h('label', { for: 'operation', text: 'Operation' }),
    h('select', { id: 'operation', name: 'operation' }),
    h('label', { for: 'tags' }, 'Tags ', h('span', { class: 'hint', text: 'key=value …' })),
    h('input', { id: 'tags', name: 'tags', placeholder: 'error=true http.route=/order', autocomplete: 'off', spellcheck: 'false' }),
    h('label', { for: 'lookback', text: 'Lookback' }),
    h(
      'select',
      { id: 'lookback', name: 'lookback' },
      LOOKBACKS.map(([v, t]) => h('option', { value: v, text: t })),
    ),
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
    {
      id: 'sort',
      onchange: () => {
        state.sort = sort.value as SortKey;
        renderResults();
      },
    },
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

/** Fetches the services (kept in state for the dependency graph too) and refills the form's list, keeping the choice. */
export async function loadServices(): Promise<void> {
  try {
    state.services = await getServices();
  } catch {
    state.services = [];
  }
  const sel = $<HTMLSelectElement>('#service');
  if (!sel) return;
  const keep = sel.value;
  put(sel, h('option', { value: '', text: `All services (${state.services.length})` }), ...state.services.map((x) => h('option', { value: x, text: x })));
  sel.value = state.services.includes(keep) ? keep : '';
}

async function loadOperations(service: string, selected: string): Promise<void> {
  const sel = $<HTMLSelectElement>('#operation');
  if (!sel) return;
  let ops: string[] = [];
  if (service) {
    try {
      ops = await getOperations(service);
    } catch {
      ops = [];
    }
  }
  put(sel, h('option', { value: '', text: 'All operations' }), ...ops.map((o) => h('option', { value: o, text: o })));
  sel.value = ops.includes(selected) ? selected : '';
}

/** Submitting the form navigates to its URL; the search runs from there. */
function onSearch(e: SubmitEvent): void {
  e.preventDefault();
  const p = new URLSearchParams();
  for (const k of FIELDS) {
    const v = field(k).value.trim();
    if (v && !(k === 'limit' && v === '20')) p.set(k, v);
  }
  const qs = p.toString();
  navigate('/search' + (qs ? '?' + qs : ''));
}

/** The search, in progress: an answer to an older one is dropped. */
let searching: object | null = null;

/** Runs the URL's search. `quiet` (a live refresh): new traces are highlighted, and an error keeps the results on view. */
export async function runSearch(quiet?: boolean): Promise<void> {
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
  const errBox = must('#form-error');
  const my = (searching = {});
  try {
    const data = await findTraces(q);
    if (searching !== my) return;
    errBox.classList.add('hidden');
    const fresh = new Set<string>();
    if (quiet) for (const t of data) if (!state.seenResults.has(t.traceID)) fresh.add(t.traceID);
    state.results = data.map(model);
    for (const t of data) state.seenResults.add(t.traceID);
    renderResults(fresh);
  } catch (err) {
    if (searching !== my) return;
    errBox.textContent = message(err);
    errBox.classList.remove('hidden');
    if (!quiet) {
      state.results = [];
      renderResults();
    }
  }
}
