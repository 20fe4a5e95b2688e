// A trace as the page draws it: Jaeger's trace JSON turned into a span tree
// (parent and children linked, depth-first order), with its errors, services
// and a few words on what each span did.
import type { Process, Tag, WireSpan, WireTrace } from './api';

export interface SpanNode extends WireSpan {
  process: Process;
  service: string;
  /** µs since the epoch */
  end: number;
  children: SpanNode[];
  parent: SpanNode | null;
  depth: number;
  error: boolean;
  /** the `span.kind` tag: 'server', 'client', … or '' */
  kind: string;
}

export interface TraceModel {
  id: string;
  /** depth-first, children by start time */
  spans: SpanNode[];
  byId: Map<string, SpanNode>;
  roots: SpanNode[];
  root: SpanNode;
  /** µs: the earliest span start, the latest span end */
  start: number;
  end: number;
  duration: number;
  /** spans per service */
  services: Map<string, number>;
  errors: number;
  depth: number;
}

export function tagOf(span: { tags: Tag[] }, key: string): Tag['value'] | undefined {
  for (const t of span.tags) if (t.key === key) return t.value;
  return undefined;
}

/** Jaeger's rule: a span is an error when it has the tag error=true (bool or string). */
const isErr = (span: WireSpan): boolean => span.tags.some((t) => t.key === 'error' && (t.value === true || t.value === 'true'));

/** Jaeger trace JSON → spans with parent/children links, depth-first order, errors and summary. */
export function model(trace: WireTrace): TraceModel {
  const spans: SpanNode[] = trace.spans.map((sp) => {
    const proc = trace.processes[sp.processID] || { serviceName: '?', tags: [] };
    return {
      ...sp,
      process: proc,
      service: proc.serviceName,
      end: sp.startTime + sp.duration,
      children: [],
      parent: null,
      depth: 0,
      error: isErr(sp),
      kind: String(tagOf(sp, 'span.kind') || ''),
    };
  });
  const byId = new Map(spans.map((sp) => [sp.spanID, sp]));
  const roots: SpanNode[] = [];
  for (const sp of spans) {
    const ref = sp.references.find((r) => r.refType === 'CHILD_OF' && r.traceID === sp.traceID) || sp.references.find((r) => r.traceID === sp.traceID);
    const parent = ref && byId.get(ref.spanID);
    if (parent && parent !== sp) {
      sp.parent = parent;
      parent.children.push(sp);
    } else roots.push(sp);
  }
  const order: SpanNode[] = [];
  const seen = new Set<SpanNode>();
  const visit = (sp: SpanNode, depth: number): void => {
    if (seen.has(sp)) return;
    seen.add(sp);
    sp.depth = depth;
    order.push(sp);
    sp.children.sort((a, b) => a.startTime - b.startTime);
    for (const c of sp.children) visit(c, depth + 1);
  };
  roots.sort((a, b) => a.startTime - b.startTime);
  for (const r of roots) visit(r, 0);
  for (const sp of spans) {
    if (seen.has(sp)) continue;
    // A reference cycle: show them anyway.
    sp.parent = null;
    roots.push(sp);
    visit(sp, 0);
  }
  const start = Math.min(...spans.map((x) => x.startTime));
  const end = Math.max(...spans.map((x) => x.end));
  const services = new Map<string, number>();
  for (const sp of spans) services.set(sp.service, (services.get(sp.service) || 0) + 1);
  return {
    id: trace.traceID,
    spans: order,
    byId,
    roots,
    root: roots[0],
    start,
    end,
    duration: end - start,
    services,
    errors: spans.filter((x) => x.error).length,
    depth: Math.max(...spans.map((x) => x.depth)) + 1,
  };
}

/** What a span did, in a few words beyond its name: route or URL, query, target. */
export function spanDetail(sp: SpanNode): string {
  const route = tagOf(sp, 'http.route');
  const path = tagOf(sp, 'url.path');
  const full = tagOf(sp, 'url.full') || tagOf(sp, 'http.url');
  const status = tagOf(sp, 'http.response.status_code') ?? tagOf(sp, 'http.status_code');
  const q = tagOf(sp, 'db.query.text') || tagOf(sp, 'db.statement');
  let text = '';
  if (sp.kind === 'client' && full) text = String(full);
  else if (route && !sp.operationName.includes(String(route))) text = String(route);
  else if (path && !sp.operationName.includes(String(path))) text = String(path);
  else if (q && String(q) !== sp.operationName) {
    // "SELECT" + "SELECT price FROM …" reads as one: show the rest of the query after the name.
    text = String(q).startsWith(sp.operationName + ' ') ? String(q).slice(sp.operationName.length + 1) : String(q);
  }
  if (status !== undefined) text += (text ? ' → ' : '→ ') + status;
  return text;
}

export function dbSystem(sp: SpanNode): string {
  const v = tagOf(sp, 'db.system.name') || tagOf(sp, 'db.system');
  return v ? String(v) : '';
}

/** The trace's name: its root span's service and operation (and route, for a server span). */
export function traceTitle(m: TraceModel): { service: string; name: string } {
  const r = m.root;
  const d = spanDetail(r).replace(/ →.*$/, '');
  return { service: r.service, name: r.operationName + (d && r.kind === 'server' ? ' ' + d : '') };
}
