'use strict';
// What every web framework's spec checks on the server spans the receiver
// decoded: names and http.route as declared, ERROR only for a 5xx, and one
// exception event with type, message and a stack into the app for each error.
const assert = require('node:assert/strict');
const { get } = require('./processes');

const SERVER = 2;
const INTERNAL = 1;
const ERROR = 2;

/** Requests every url of `expected` ({url: [name, route, status]}), waits for their server spans, returns a lookup by url.path. */
async function requestAll(receiver, baseUrl, expected) {
  for (const [url, [, , status]] of Object.entries(expected)) assert.equal((await get(baseUrl + url)).status, status, url);
  const paths = new Set(Object.keys(expected));
  const spans = await receiver.waitForSpans((s) => s.filter((x) => x.kind === SERVER && paths.has(x.attributes['url.path'])).length >= paths.size);
  const servers = spans.filter((s) => s.kind === SERVER);
  // The default output: one server span per request, no middleware or handler spans.
  assert.deepEqual(
    spans.filter((s) => s.kind === INTERNAL).map((s) => s.name),
    [],
    'no INTERNAL spans unless TRACING_AGENT_MIDDLEWARE_SPANS=true',
  );
  return { spans, servers, at: (url) => servers.find((s) => s.attributes['url.path'] === url) };
}

/** Span name, http.route, status code and span status of each url. */
function checkRoutes(at, expected) {
  for (const [url, [name, route, status]] of Object.entries(expected)) {
    const span = at(url);
    assert.ok(span, `a server span for ${url}`);
    assert.equal(span.name, name, url);
    assert.equal(span.attributes['http.route'], route, url);
    assert.equal(span.attributes['http.response.status_code'], status, url);
    assert.equal(span.status.code, status >= 500 ? ERROR : 0, `${url}: ERROR only for a 5xx`);
  }
}

/** The one exception event of url's server span. */
function exceptionOf(at, url) {
  const events = at(url).events.filter((e) => e.name === 'exception');
  assert.equal(events.length, 1, `${url}: one exception event, found ${events.length}`);
  return events[0].attributes;
}

/**
 * Each [url, type, message, status]: its exception event (type, message, a stack
 * through `appFile`), and for a 5xx the type as error.type and the message as
 * the status description; a 4xx span has neither.
 */
function checkErrors(at, errors, appFile) {
  for (const [url, type, message, status] of errors) {
    const event = exceptionOf(at, url);
    assert.equal(event['exception.type'], type, url);
    assert.equal(event['exception.message'], message, url);
    assert.match(event['exception.stacktrace'], new RegExp(`^${type}: ${message}\\n\\s+at `), url);
    assert.match(event['exception.stacktrace'], appFile, `${url}: the stack points into the app`);
    const span = at(url);
    if (status >= 500) {
      assert.equal(span.status.message, message, `${url}: the message is the status description`);
      assert.equal(span.attributes['error.type'], type, url);
    } else {
      assert.equal(span.attributes['error.type'], undefined, `${url}: a ${status} is not an error`);
    }
  }
}

module.exports = { SERVER, ERROR, requestAll, checkRoutes, checkErrors, exceptionOf };
