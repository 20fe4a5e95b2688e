'use strict';
// The build: TypeScript to dist/ (types and one file per module, used by the
// CLI and tests), then the agent itself bundled into dist/tracing-agent.js.
// One file loads in ~5 ms where twenty separate modules take ~12 ms, and the
// agent's startup budget is 15 ms. The OpenTelemetry SDK stays external: it is
// loaded on the first span, not at startup. Last, the viewer's page (browser
// code, src/ui/page/) bundled into dist/ui/app.js.
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
// From scratch: files of modules since removed must not linger, and code caches
// of an earlier bundle (see load.cjs) would only be rejected.
require('node:fs').rmSync(path.join(root, 'dist'), { recursive: true, force: true });
const tsc = (project) => execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', project], { stdio: 'inherit' });
tsc(root);

const esbuild = require('esbuild');
const { version } = require('../package.json');
const apiVersion = JSON.parse(require('node:fs').readFileSync(path.join(root, 'node_modules', '@opentelemetry', 'api', 'package.json'), 'utf8')).version;
esbuild.buildSync({
  entryPoints: [path.join(root, 'dist', 'index.js')],
  outfile: path.join(root, 'dist', 'tracing-agent.js'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // import-in-the-middle's generated modules import its own files by URL: it stays a package of its own.
  external: ['@opentelemetry/*', 'import-in-the-middle', 'import-in-the-middle/*'],
  alias: { debug: path.join(__dirname, 'no-debug.js') },
  define: { __TRACING_AGENT_VERSION__: JSON.stringify(version), __OTEL_API_VERSION__: JSON.stringify(apiVersion) },
  logLevel: 'warning',
});

// The viewer's page: typed modules checked against the DOM's types by their own
// tsconfig (esbuild does not type-check), then bundled into the one script the
// viewer serves as /static/app.js (src/ui/page.ts reads it from beside itself).
tsc(path.join(root, 'src', 'ui', 'page'));
esbuild.buildSync({
  entryPoints: [path.join(root, 'src', 'ui', 'page', 'main.ts')],
  outfile: path.join(root, 'dist', 'ui', 'app.js'),
  absWorkingDir: root,
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: 'es2022',
  logLevel: 'warning',
});
