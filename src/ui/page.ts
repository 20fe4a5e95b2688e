// The single-page viewer: one HTML shell for every page route (/, /search,
// /trace/{id}, /dependencies), the script and the stylesheet. Everything is
// served from here; nothing is fetched from elsewhere, so it works offline.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STYLE } from './page-style';

const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#3559c7"/><rect x="6" y="8" width="16" height="4" rx="2" fill="#fff"/><rect x="11" y="14" width="14" height="4" rx="2" fill="#a9c1ff"/><rect x="14" y="20" width="8" height="4" rx="2" fill="#fff"/></svg>`;

const HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tracing-agent</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/style.css">
</head>
<body>
<header class="top">
  <a class="brand" href="/search" data-nav>${ICON}<span>tracing-agent</span></a>
  <nav>
    <a href="/search" data-nav data-view="search">Search</a>
    <a href="/dependencies" data-nav data-view="deps">Dependencies</a>
  </nav>
  <div id="live" class="live off" title="New traces appear without reloading"><span class="dot"></span><span id="live-text">connecting…</span></div>
</header>
<main id="app"></main>
<noscript><p style="padding:20px">This viewer needs JavaScript. The data is also available from the Jaeger-compatible API at <a href="/api/services">/api/services</a>.</p></noscript>
<script src="/static/app.js"></script>
</body>
</html>
`;

// The page's script: the browser modules in ./page/, bundled by the build into one file beside this one.
const SCRIPT = readFileSync(join(__dirname, 'app.js'), 'utf8');

export interface Asset {
  type: string;
  body: string;
}

export function renderAsset(pathname: string): Asset | undefined {
  if (pathname === '/static/app.js') return { type: 'text/javascript; charset=utf-8', body: SCRIPT };
  if (pathname === '/static/style.css') return { type: 'text/css; charset=utf-8', body: STYLE };
  if (pathname === '/favicon.svg' || pathname === '/favicon.ico') return { type: 'image/svg+xml', body: ICON };
  if (pathname === '/' || pathname === '/search' || pathname === '/dependencies' || /^\/trace\/[0-9a-fA-F]{1,32}\/?$/.test(pathname)) {
    return { type: 'text/html; charset=utf-8', body: HTML };
  }
  return undefined;
}
