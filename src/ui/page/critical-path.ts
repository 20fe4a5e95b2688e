// The critical path, as Jaeger computes it: the spans (and parts of spans) the
// trace waited on. From the root's end, the child that finished last before the
// current point is on the path, recursively; the gaps where no child runs belong
// to the parent.
import type { SpanNode, TraceModel } from './trace-model';

/** A piece of a span on the critical path (µs since the epoch). */
export interface Segment {
  spanID: string;
  start: number;
  end: number;
}

interface Interval {
  start: number;
  end: number;
}

/** A child's time within its parent's window. */
interface Clipped extends Interval {
  span: SpanNode;
}

export function criticalPath(m: TraceModel): Segment[] {
  const out: Segment[] = [];
  if (!m.root) return out;
  const rootId = m.root.spanID;
  // Children clipped to their parent's window, latest end first.
  const kids = new Map<string, Clipped[]>();
  for (const sp of m.spans) {
    const list = sp.children
      .filter((c) => c.startTime < sp.end && c.references.some((r) => r.refType === 'CHILD_OF'))
      .map((c) => ({ span: c, start: Math.max(c.startTime, sp.startTime), end: Math.min(c.end, sp.end) }))
      .sort((a, b) => b.end - a.end);
    kids.set(sp.spanID, list);
  }
  const win = new Map<string, Interval>([[rootId, { start: m.root.startTime, end: m.root.end }]]);
  let cur: SpanNode | null = m.root;
  let until = m.root.end;
  for (let guard = 0; cur && guard < 100000; guard++) {
    const w: Interval = win.get(cur.spanID) || { start: cur.startTime, end: cur.end };
    const next: Clipped | undefined = (kids.get(cur.spanID) || []).find((k) => k.end <= until && k.start >= w.start && k.end > k.start);
    if (next) {
      if (next.end < until) out.push({ spanID: cur.spanID, start: next.end, end: until });
      win.set(next.span.spanID, { start: next.start, end: next.end });
      cur = next.span;
      until = next.end;
    } else {
      if (w.start < until) out.push({ spanID: cur.spanID, start: w.start, end: until });
      if (cur.spanID === rootId) break;
      until = w.start;
      cur = cur.parent;
    }
  }
  return out;
}
