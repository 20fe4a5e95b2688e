// The waterfall: one row per span in tree order (name column indented by
// depth, a bar on the trace's timeline in its service's colour, the critical
// path drawn over the bars, ticks for events), collapsible subtrees, and a
// click on a row opens its details below it.
import { colour } from './colours';
import { type Segment, criticalPath } from './critical-path';
import { $, h } from './dom';
import { fmtDuration } from './format';
import { logTitle, spanDetails } from './span-details';
import { state } from './state';
import { type SpanNode, type TraceModel, dbSystem, spanDetail } from './trace-model';

/** Redraws the trace on view (after a span is collapsed, expanded, selected). */
export function rerenderWaterfall(): void {
  const old = $('.waterfall');
  if (old && state.trace) old.replaceWith(waterfall(state.trace));
}

/** The trace's timeline: times (µs) placed on it in % of its duration. */
interface Timeline {
  start: number;
  dur: number;
}
const pct = (tl: Timeline, v: number): number => ((v - tl.start) / tl.dur) * 100;

export function waterfall(m: TraceModel): HTMLElement {
  const cpBySpan = new Map<string, Segment[]>();
  for (const seg of criticalPath(m)) {
    const list = cpBySpan.get(seg.spanID);
    if (list) list.push(seg);
    else cpBySpan.set(seg.spanID, [seg]);
  }
  const tl: Timeline = { start: m.start, dur: Math.max(m.duration, 1) };
  const head = h(
    'div',
    { class: 'wf-head' },
    h('div', { text: 'Service & operation' }),
    h(
      'div',
      { class: 'ticks' },
      [0, 0.25, 0.5, 0.75, 1].map((f) => h('span', { style: { left: f * 100 + '%' }, text: fmtDuration(tl.dur * f) })),
    ),
  );
  const hiddenUnder = (sp: SpanNode): boolean => {
    for (let p = sp.parent; p; p = p.parent) if (state.collapsed.has(p.spanID)) return true;
    return false;
  };
  const rows: HTMLElement[] = [];
  for (const sp of m.spans) {
    if (hiddenUnder(sp)) continue;
    rows.push(spanRow(sp, tl, cpBySpan.get(sp.spanID) || []));
    if (state.selected.has(sp.spanID)) rows.push(spanDetails(sp, m));
  }
  return h('div', { class: 'waterfall panel' + (state.criticalPath ? '' : ' no-cp') }, head, rows);
}

/** A span's row: its name, its bar with its part of the critical path (`cp`) and its events. */
function spanRow(sp: SpanNode, tl: Timeline, cp: Segment[]): HTMLElement {
  const collapsed = state.collapsed.has(sp.spanID);
  const left = pct(tl, sp.startTime);
  const width = (sp.duration / tl.dur) * 100;
  const detail = spanDetail(sp);
  // The duration label: after the bar, or inside a wide bar near the right edge, or before it.
  const labelAt = left + width <= 82 ? 'after' : width > 14 ? 'inside' : 'before';
  return h(
    'div',
    {
      class: 'span-row' + (state.selected.has(sp.spanID) ? ' selected' : '') + (sp.error ? ' is-error' : ''),
      'data-span-id': sp.spanID,
      'data-service': sp.service,
      'data-depth': sp.depth,
      onclick: (e) => {
        if (e.target instanceof Element && e.target.closest('.toggle')) return;
        toggle(state.selected, sp.spanID);
        rerenderWaterfall();
      },
    },
    h(
      'div',
      { class: 'name', style: { paddingLeft: sp.depth * 16 + 'px' } },
      h('span', { class: 'svcbar', style: { background: colour(sp.service) } }),
      h('button', {
        class: 'toggle' + (sp.children.length ? '' : ' leaf'),
        type: 'button',
        title: collapsed ? 'Expand' : 'Collapse',
        'aria-expanded': String(!collapsed),
        text: collapsed ? '▶' : '▼',
        onclick: () => {
          toggle(state.collapsed, sp.spanID);
          rerenderWaterfall();
        },
      }),
      sp.error ? h('span', { class: 'errmark', title: 'error', text: '!' }) : null,
      h('span', { class: 'svc', text: sp.service }),
      h('span', { class: 'op', text: sp.operationName }),
      detail ? h('span', { class: 'detail', title: detail, text: detail }) : null,
      dbSystem(sp) ? h('span', { class: 'sys', text: dbSystem(sp) }) : null,
      collapsed ? h('span', { class: 'kids', text: `(${countDescendants(sp)})` }) : null,
    ),
    h(
      'div',
      { class: 'timeline' },
      h('div', { class: 'bar' + (sp.error ? ' error' : ''), style: { left: left + '%', width: `max(2px, ${width}%)`, background: colour(sp.service) } }),
      cp.map((seg) =>
        h('div', {
          class: 'cp',
          title: 'critical path',
          style: { left: pct(tl, seg.start) + '%', width: `max(2px, ${((seg.end - seg.start) / tl.dur) * 100}%)` },
        }),
      ),
      sp.logs.map((l) => h('div', { class: 'tick', title: logTitle(l), style: { left: pct(tl, l.timestamp) + '%' } })),
      h('span', {
        class: 'label' + (labelAt === 'inside' ? ' inside' : ''),
        style:
          labelAt === 'after'
            ? { left: left + width + 0.6 + '%' }
            : labelAt === 'inside'
              ? { right: 100 - left - width + 0.6 + '%' }
              : { right: 100 - left + 0.6 + '%' },
        text: fmtDuration(sp.duration),
      }),
    ),
  );
}

function toggle(set: Set<string>, id: string): void {
  if (set.has(id)) set.delete(id);
  else set.add(id);
}

function countDescendants(sp: SpanNode): number {
  let n = 0;
  const walk = (x: SpanNode): void => {
    for (const c of x.children) {
      n++;
      walk(c);
    }
  };
  walk(sp);
  return n;
}
