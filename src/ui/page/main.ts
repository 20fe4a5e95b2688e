// The viewer's page: the browser script the viewer serves as /static/app.js,
// bundled from these modules by scripts/build.js. The HTML shell it runs in is
// ../page.ts. It uses only the DOM and the viewer's own API.
import { getInfo, getStats } from './api';
import { $ } from './dom';
import { showDependencies } from './dependencies';
import { connectLive, setLive } from './live';
import { sortedResults } from './results';
import { rememberLastSearch, startRouter } from './router';
import { renderScatter } from './scatter';
import { showSearch } from './search';
import { state } from './state';
import { showTrace } from './trace-view';

/** The view for the URL: /trace/{id}, /dependencies, else the search. */
function route(): Promise<void> {
  const path = location.pathname;
  const m = /^\/trace\/([0-9a-fA-F]+)/.exec(path);
  if (m) return showTrace(m[1]);
  if (path.startsWith('/dependencies')) return showDependencies();
  return showSearch();
}

startRouter(() => void route());
rememberLastSearch();
// The scatter is drawn to the width of its box.
window.addEventListener('resize', () => {
  if ($('#scatter') && state.results.length) renderScatter(sortedResults());
});

getInfo()
  .then((info) => (state.info = info))
  .catch(() => {});
getStats()
  .then((st) => setLive(true, st))
  .catch(() => setLive(false));
connectLive();
void route();
