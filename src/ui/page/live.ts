// Live updates: the viewer's event stream (/api/live) says when traces arrive;
// the view on show refreshes itself (the trace on view only when it changed).
// Without EventSource, /api/stats is polled instead. The header's indicator
// shows the connection and the number of traces held.
import { type LiveUpdate, type Stats, getStats } from './api';
import { $, must } from './dom';
import { showDependencies } from './dependencies';
import { plural } from './format';
import { loadServices, runSearch } from './search';
import { state } from './state';
import { showTrace } from './trace-view';

export function setLive(on: boolean, stats?: Stats): void {
  if (stats) state.stats = stats;
  must('#live').classList.toggle('off', !on);
  must('#live-text').textContent = (on ? 'live' : 'reconnecting…') + (state.stats ? ` · ${plural(state.stats.traces, 'trace')}` : '');
}

/** Trace ids compare without their leading zeros (Jaeger prints 16 digits when the high half is zero). */
const sameTrace = (a: string, b: string): boolean => a.replace(/^0+/, '') === b.replace(/^0+/, '');

let refreshTimer: ReturnType<typeof setTimeout> | undefined;
function onUpdate(msg: LiveUpdate): void {
  setLive(true, msg.stats);
  const liveEl = must('#live');
  // Restart the pulse animation: remove the class, force a style flush, add it back.
  liveEl.classList.remove('pulse');
  void liveEl.offsetWidth;
  liveEl.classList.add('pulse');
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(async () => {
    const path = location.pathname;
    const traceId = state.traceId;
    if (traceId && path.startsWith('/trace/')) {
      if (msg.traces && msg.traces.some((t) => sameTrace(traceId, t))) await showTrace(traceId, true);
    } else if (path.startsWith('/dependencies')) {
      await showDependencies(true);
    } else if ($('#search-view')) {
      await loadServices();
      const live = $<HTMLInputElement>('#live-results');
      if (!live || live.checked) await runSearch(true);
    }
  }, 300);
}

export function connectLive(): void {
  if (!window.EventSource) return void poll();
  const es = new EventSource('/api/live');
  es.addEventListener('hello', (e) => setLive(true, (JSON.parse(e.data) as { stats: Stats }).stats));
  es.addEventListener('update', (e) => onUpdate(JSON.parse(e.data) as LiveUpdate));
  es.onerror = () => setLive(false);
}

let lastVersion = -1;
async function poll(): Promise<void> {
  try {
    const st = await getStats();
    if (lastVersion >= 0 && st.version !== lastVersion) onUpdate({ stats: st, traces: [] });
    else setLive(true, st);
    lastVersion = st.version;
  } catch {
    setLive(false);
  }
  setTimeout(poll, 3000);
}
