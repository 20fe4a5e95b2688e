// A span's details, opened under its row: status, kind, timing, ids, then its
// attributes, events, process and references as key/value tables.
import type { Log, Tag } from './api';
import { colour } from './colours';
import { h } from './dom';
import { fmtDuration, fmtTime } from './format';
import { type SpanNode, type TraceModel, tagOf } from './trace-model';

/** An event's name (its `event` field). */
export function logTitle(l: Log): string {
  const ev = l.fields.find((f) => f.key === 'event');
  return ev ? String(ev.value) : 'log';
}

/** Tags the details' first line already shows (kind, status), left out of the attributes. */
const SHOWN_ABOVE = ['span.kind', 'otel.status_code', 'otel.status_description', 'error'];

function kvTable(tags: Tag[]): HTMLElement {
  if (!tags.length) return h('div', { class: 'muted', text: 'none' });
  return h(
    'table',
    { class: 'kv' },
    tags.map((t) =>
      h(
        'tr',
        { class: (t.key === 'error' && t.value === true) || (t.key === 'otel.status_code' && t.value === 'ERROR') ? 'errtag' : '' },
        h('td', { class: 'k', text: t.key }),
        h('td', { class: 'v t-' + t.type, title: t.type, text: String(t.value) }),
      ),
    ),
  );
}

export function spanDetails(sp: SpanNode, m: TraceModel): HTMLElement {
  const status = tagOf(sp, 'otel.status_code');
  const statusText = sp.error ? 'ERROR' : status || 'UNSET';
  const desc = tagOf(sp, 'otel.status_description');
  const parentRef = sp.references.find((r) => r.refType === 'CHILD_OF');
  // `error` stays when there is no status to say it.
  const own = sp.tags.filter((t) => !SHOWN_ABOVE.includes(t.key) || (t.key === 'error' && !status));
  return h(
    'div',
    { class: 'span-details', style: { borderLeftColor: colour(sp.service) }, 'data-span-id': sp.spanID },
    h('h3', {}, h('span', { class: 'muted', text: sp.service + ': ' }), sp.operationName),
    h(
      'div',
      { class: 'meta' },
      h(
        'span',
        {},
        'Status ',
        h('b', { class: sp.error ? 'status-error' : status === 'OK' ? 'status-ok' : '', text: statusText + (desc ? ` — ${desc}` : '') }),
      ),
      h('span', {}, 'Kind ', h('b', { text: sp.kind || '—' })),
      h('span', {}, 'Duration ', h('b', { text: fmtDuration(sp.duration) })),
      h('span', {}, 'Start ', h('b', { text: '+' + fmtDuration(sp.startTime - m.start) }), ` (${fmtTime(sp.startTime)})`),
      h('span', {}, 'Span ID ', h('b', { class: 'mono', text: sp.spanID })),
      parentRef ? h('span', {}, 'Parent ', h('b', { class: 'mono', text: parentRef.spanID })) : null,
    ),
    h('details', { open: true, class: 'attributes' }, h('summary', {}, 'Attributes ', h('span', { class: 'count', text: `(${own.length})` })), kvTable(own)),
    h(
      'details',
      { open: sp.logs.length > 0, class: 'events' },
      h('summary', {}, 'Events ', h('span', { class: 'count', text: `(${sp.logs.length})` })),
      sp.logs.length
        ? sp.logs.map((l) =>
            h(
              'div',
              { class: 'event' },
              h('div', { class: 'at' }, h('b', { text: logTitle(l) }), ` at +${fmtDuration(l.timestamp - m.start)}`),
              kvTable(l.fields.filter((f) => f.key !== 'event')),
            ),
          )
        : h('div', { class: 'muted', text: 'none' }),
    ),
    h(
      'details',
      { class: 'process' },
      h('summary', {}, 'Process ', h('span', { class: 'count', text: `${sp.service} (${sp.process.tags.length} tags)` })),
      kvTable(sp.process.tags),
    ),
    sp.references.length > (parentRef ? 1 : 0)
      ? h(
          'details',
          { class: 'refs' },
          h('summary', { text: 'References' }),
          kvTable(sp.references.map((r): Tag => ({ key: r.refType, type: 'string', value: `${r.traceID} / ${r.spanID}` }))),
        )
      : null,
  );
}
