'use strict';
// The viewer's page in a real browser (headless Chromium through
// playwright-core): the demo's services run under the agent and send to a
// real `tracing-agent ui` process, a Jaeger client's batch arrives over UDP,
// then the page is searched, a trace opened, its waterfall and span details
// checked, the dependency graph drawn, and a new trace must appear without a
// reload. Screenshots go to test/artifacts/ and docs/viewer.png.
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { ROOT, startViewer, getJson, eventually } = require('./support/ui-viewer');
const { hexId, sendOtlp, jaegerBatch, encodeEmitBatch, sendUdp } = require('./support/ui-senders');

const CANDIDATES = process.env.CHROMIUM_PATH ? [process.env.CHROMIUM_PATH] : ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
const CHROMIUM = CANDIDATES.find((p) => fs.existsSync(p));
const ARTIFACTS = path.join(ROOT, 'test', 'artifacts');
const major = process.env.TEST_NODE_MAJOR || process.versions.node.split('.')[0];

function runDemo(viewer) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'demo', 'run.js'), '--once', '--viewer', viewer.ui, '--otlp', viewer.otlp], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 40000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`demo --once exited ${code}:\n${out}`));
    });
  });
}

if (!CHROMIUM) {
  describe('ui: the page in a browser', () => {
    it.skip(`skipped: Chromium not found (looked for ${CANDIDATES.join(', ')}; install it with \`apt-get install -y chromium\` or set CHROMIUM_PATH)`, () => {});
  });
} else {
  describe('ui: the page in a browser', function () {
    this.timeout(90000);
    let viewer;
    let browser;
    let page;
    const consoleErrors = [];

    before(async function () {
      this.timeout(120000);
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      viewer = await startViewer();
      await runDemo(viewer);
      // A service traced by a Jaeger client, over the agent UDP port: it must sit beside the OTLP ones.
      const traceId = hexId(16);
      const root = hexId(8);
      const now = Date.now() - 2000;
      await sendUdp(
        viewer.jaegerUdp,
        encodeEmitBatch(
          jaegerBatch({
            serviceName: 'billing-cron',
            tags: { hostname: 'batch-7', 'jaeger.version': 'Node-3.19.0' },
            spans: [
              { traceId, spanId: root, name: 'nightly-invoices', startMs: now, durationMs: 48, tags: { 'span.kind': 'server', 'invoice.count': 3 } },
              {
                traceId,
                spanId: hexId(8),
                parentSpanId: root,
                name: 'render pdf',
                startMs: now + 2,
                durationMs: 30,
                tags: {},
                logs: [{ atMs: now + 20, fields: { event: 'font cache miss' } }],
              },
            ],
          }),
        ),
      );
      await eventually(async () => (await getJson(`${viewer.ui}/api/services`)).body.data.includes('billing-cron'));
      const { chromium } = require('playwright-core');
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-dev-shm-usage'],
      });
      page = await browser.newPage({ viewport: { width: 1360, height: 860 } });
      page.on('console', (msg) => msg.type() === 'error' && consoleErrors.push(msg.text()));
      page.on('pageerror', (err) => consoleErrors.push(err.message));
    });

    after(async () => {
      if (browser) await browser.close();
      if (viewer) await viewer.stop();
    });

    it('lists the traces with the duration scatter, nothing loaded from elsewhere', async () => {
      const requests = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(viewer.ui);
      await page.waitForSelector('.result');
      await eventually(async () => (await page.locator('.result').count()) >= 8);
      assert.ok((await page.locator('#scatter circle').count()) >= 8, 'a dot per trace');
      assert.ok(await page.locator('#live:not(.off)').count(), 'the live indicator is on');
      const services = await page.locator('#service option').allTextContents();
      for (const s of ['backend', 'billing-cron', 'frontend']) assert.ok(services.includes(s), `service ${s} offered: ${services}`);
      assert.deepEqual(
        requests.filter((u) => !u.startsWith(viewer.ui)),
        [],
        'the page fetches only from the viewer',
      );
      await page.screenshot({ path: path.join(ARTIFACTS, `search-node${major}.png`) });
    });

    it('searches by service, operation and tags', async () => {
      await page.selectOption('#service', 'frontend');
      await eventually(async () => (await page.locator('#operation option').allTextContents()).includes('processOrder'));
      await page.fill('#tags', 'error=true');
      await page.click('#find');
      await page.waitForURL(/service=frontend/);
      await eventually(async () => (await page.locator('.result').count()) === 1);
      assert.match(await page.locator('.result .title').first().textContent(), /frontend: GET \/checkout/);
      assert.match(await page.locator('.result .badge.err').first().textContent(), /errors?/);

      await page.fill('#tags', '');
      await page.selectOption('#operation', 'processOrder');
      await page.click('#find');
      await eventually(async () => (await page.locator('.result').count()) === 5);
      await page.fill('#minDuration', '10m');
      await page.click('#find');
      await page.waitForSelector('.empty');
      assert.match(await page.locator('.empty h3').textContent(), /No traces match/);
      await page.fill('#minDuration', 'soon');
      await page.click('#find');
      await page.waitForSelector('#form-error:not(.hidden)');
      assert.match(await page.locator('#form-error').textContent(), /not a duration/);
    });

    it('opens a trace: waterfall rows of the span tree, service colours, critical path, span details, collapsing', async () => {
      await page.goto(`${viewer.ui}/search?service=frontend&operation=processOrder`);
      await page.waitForSelector('.result');
      await page.selectOption('#sort', 'spans');
      await page.locator('.result').first().click();
      await page.waitForSelector('.span-row');
      const total = Number(await page.locator('#span-count').textContent());
      assert.ok(total >= 9, `an order trace has at least 9 spans, got ${total}`);
      assert.equal(await page.locator('.span-row').count(), total, 'one row per span');
      const rows = await page
        .locator('.span-row')
        .evaluateAll((els) => els.map((e) => ({ service: e.dataset.service, depth: Number(e.dataset.depth), text: e.textContent })));
      assert.equal(rows[0].depth, 0);
      assert.match(rows[0].text, /frontend.*GET/);
      assert.ok(
        rows.some((r) => r.service === 'backend' && r.depth >= 3),
        'backend spans nested under the frontend client spans',
      );
      assert.ok(
        rows.some((r) => /processOrder/.test(r.text) && r.depth === 1),
        'the app span under the server span',
      );
      const colours = await page
        .locator('.span-row .bar')
        .evaluateAll((els) => [...new Set(els.map((e) => e.ownerDocument.defaultView.getComputedStyle(e).backgroundColor))]);
      assert.ok(colours.length >= 2, `one colour per service, got ${colours}`);
      assert.ok((await page.locator('.span-row .cp').count()) >= 2, 'critical path segments drawn');

      // Span details: the SQL span of the backend.
      const sqlRow = page.locator('.span-row[data-service="backend"]', { hasText: /SELECT|INSERT/ }).first();
      await sqlRow.click();
      await page.waitForSelector('.span-details');
      await page.evaluate('window.scrollTo(0, 0)');
      // The README's picture: the trace with one span's details open.
      if (major === '20') await page.screenshot({ path: path.join(ROOT, 'docs', 'viewer.png'), fullPage: true });
      const details = await page.locator('.span-details').textContent();
      assert.match(details, /db\.system\.name/);
      assert.match(details, /Process/);
      assert.match(details, /Status/);
      await page.locator('.span-details details.process summary').click();
      assert.match(await page.locator('.span-details details.process').textContent(), /service\.name|telemetry\.sdk|process\.pid|host/);
      await page.screenshot({ path: path.join(ARTIFACTS, `trace-node${major}.png`), fullPage: true });

      // Collapse the root: only it stays; expand all: every row is back.
      await page.locator('.span-row').first().locator('.toggle').click();
      assert.equal(await page.locator('.span-row').count(), 1);
      await page.click('#expand-all');
      assert.equal(await page.locator('.span-row').count(), total);
    });

    it('marks the errors of the failing request and shows their status and events', async () => {
      await page.goto(`${viewer.ui}/search?service=frontend&tags=error%3Dtrue`);
      await page.waitForSelector('.result');
      await page.locator('.result').first().click();
      await page.waitForSelector('.span-row');
      assert.ok((await page.locator('.span-row.is-error').count()) >= 4, 'server, app, client and backend spans marked');
      assert.ok((await page.locator('.span-row .errmark').count()) >= 4);
      await page.locator('.span-row.is-error', { hasText: 'processPayment' }).click();
      assert.match(await page.locator('.span-details .meta').textContent(), /ERROR — payment service answered 500/);
      await page.screenshot({ path: path.join(ARTIFACTS, `error-trace-node${major}.png`), fullPage: true });
    });

    it('draws the dependency graph: frontend → backend → databases, call counts', async () => {
      await page.click('header nav a[data-view="deps"]');
      await page.waitForSelector('#dep-graph');
      const nodes = await page.locator('#dep-graph g.node').evaluateAll((els) => els.map((e) => e.dataset.name));
      for (const n of ['frontend', 'backend', 'sqlite']) assert.ok(nodes.includes(n), `node ${n} in ${nodes}`);
      const edges = await page.locator('#dep-graph path.edge').evaluateAll((els) => els.map((e) => `${e.dataset.parent}>${e.dataset.child}`));
      assert.ok(edges.includes('frontend>backend'), edges.join(' '));
      assert.ok(edges.includes('backend>sqlite'), edges.join(' '));
      const frontendX = await page.locator('#dep-graph g.node[data-name="frontend"]').evaluate((e) => e.getBoundingClientRect().x);
      const backendX = await page.locator('#dep-graph g.node[data-name="backend"]').evaluate((e) => e.getBoundingClientRect().x);
      assert.ok(frontendX < backendX, 'callers left of callees');
      await page.screenshot({ path: path.join(ARTIFACTS, `dependencies-node${major}.png`), fullPage: true });
    });

    it('shows a new trace without reloading', async () => {
      await page.goto(`${viewer.ui}/search`);
      await page.waitForSelector('.result');
      await eventually(async () => page.locator('#live:not(.off)').count());
      const before = await page.locator('.result').count();
      const traceId = hexId(16);
      await sendOtlp(
        viewer.otlp,
        [{ traceId, spanId: hexId(8), name: 'GET /late', kind: 'server', startMs: Date.now() - 5, durationMs: 3, resource: { 'service.name': 'late-comer' } }],
        { protocol: 'json' },
      );
      await page.waitForSelector(`.result[data-trace-id="${traceId}"]`, { timeout: 10000 });
      assert.equal(await page.locator('.result').count(), Math.min(before + 1, 20));
      assert.ok((await page.locator('#service option', { hasText: 'late-comer' }).count()) === 1, 'the new service is offered');
    });

    it('logged no errors in the browser console', () => {
      // The one 400 is the search with the malformed duration above, answered as it should be.
      assert.deepEqual(
        consoleErrors.filter((e) => !/status of 400/.test(e)),
        [],
      );
    });
  });
}
