// The dependency graph: services, databases and peers as boxes in layers,
// callers left of callees, one curved edge per caller → callee pair labelled
// with its call count.
import type { Dependency } from './api';
import { colour } from './colours';
import { s } from './dom';
import { plural } from './format';

// Node size and the gaps between layers (across) and between nodes (down), in px.
const NW = 172;
const NH = 50;
const GX = 120;
const GY = 34;

/** A layered drawing: callers left of callees (longest path from the entry services), curved edges labelled with call counts; `services` drawn as such, other names as databases or peers. */
export function dependencyGraph(deps: Dependency[], services: string[]): SVGSVGElement {
  const names = [...new Set(deps.flatMap((d) => [d.parent, d.child]))];
  // Every name has an entry in each of these maps.
  const out = new Map<string, string[]>(names.map((n) => [n, []]));
  const inc = new Map<string, string[]>(names.map((n) => [n, []]));
  for (const d of deps) {
    if (d.parent === d.child) continue;
    out.get(d.parent)!.push(d.child);
    inc.get(d.child)!.push(d.parent);
  }
  // Layers: longest path from a source, ignoring edges that close a cycle.
  const layer = new Map<string, number>();
  const onStack = new Set<string>();
  const depth = (n: string): number => {
    const known = layer.get(n);
    if (known !== undefined) return known;
    onStack.add(n);
    let l = 0;
    for (const p of inc.get(n)!) {
      if (onStack.has(p)) continue;
      l = Math.max(l, depth(p) + 1);
    }
    onStack.delete(n);
    layer.set(n, l);
    return l;
  };
  for (const n of names) depth(n);
  const layers: string[][] = [];
  for (const n of names) (layers[depth(n)] ||= []).push(n);
  // Order within a layer by the mean position of the callers (one pass is enough for small graphs).
  const pos = new Map<string, number>();
  layers.forEach((ns, li) => {
    if (li > 0) {
      const key = (n: string): number => {
        const ps = inc.get(n)!.filter((p) => pos.has(p));
        return ps.length ? ps.reduce((a, p) => a + pos.get(p)!, 0) / ps.length : 0;
      };
      ns.sort((a, b) => key(a) - key(b) || (a < b ? -1 : 1));
    } else ns.sort();
    ns.forEach((n, i) => pos.set(n, i - (ns.length - 1) / 2));
  });
  const isService = (n: string): boolean => services.includes(n);
  const maxRows = Math.max(...layers.map((l) => l.length));
  const W = layers.length * NW + (layers.length - 1) * GX + 40;
  const H = maxRows * NH + (maxRows - 1) * GY + 60;
  const xy = new Map<string, { x: number; y: number }>();
  layers.forEach((ns, li) => ns.forEach((n) => xy.set(n, { x: 20 + li * (NW + GX), y: H / 2 + pos.get(n)! * (NH + GY) - NH / 2 })));
  const svg = s('svg', { id: 'dep-graph', width: W, height: H, viewBox: `0 0 ${W} ${H}` });
  svg.appendChild(
    s(
      'defs',
      {},
      s(
        'marker',
        { id: 'arrow', viewBox: '0 0 10 10', refX: '9', refY: '5', markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse' },
        s('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#8d97ad' }),
      ),
    ),
  );
  const edges = s('g', { class: 'edges' });
  const labels = s('g', { class: 'labels' });
  const counts = new Map<string, number>();
  for (const d of deps) {
    const { path, lx, ly } = edgePath(xy.get(d.parent)!, xy.get(d.child)!, d.parent === d.child);
    edges.appendChild(
      s(
        'path',
        { class: 'edge', d: path, 'marker-end': 'url(#arrow)', 'data-parent': d.parent, 'data-child': d.child },
        s('title', { text: `${d.parent} → ${d.child}: ${plural(d.callCount, 'call')}` }),
      ),
    );
    const text = String(d.callCount);
    const w = 8 + text.length * 7;
    labels.appendChild(
      s(
        'g',
        {},
        s('rect', { class: 'edge-label-bg', x: lx - w / 2, y: ly - 9, width: w, height: 16, rx: 8 }),
        s('text', { class: 'edge-label', x: lx, y: ly + 3.5, 'text-anchor': 'middle', text }),
      ),
    );
    counts.set(d.child, (counts.get(d.child) || 0) + d.callCount);
  }
  svg.append(edges, labels);
  const nodes = s('g', { class: 'nodes' });
  for (const n of names) {
    const { x, y } = xy.get(n)!;
    const svc = isService(n);
    const callers = inc.get(n)!.length;
    const callees = out.get(n)!.length;
    const sub = svc ? `${callers ? plural(counts.get(n) || 0, 'call') + ' in' : 'entry'}${callees ? ` · calls ${callees}` : ''}` : 'database / peer';
    nodes.appendChild(
      s(
        'g',
        { class: 'node' + (svc ? ' service' : ' peer'), 'data-name': n, transform: `translate(${x},${y})` },
        s('rect', { width: NW, height: NH, rx: 9, fill: svc ? '#fff' : null, stroke: svc ? colour(n) : null }),
        svc ? s('rect', { width: 6, height: NH - 2, x: 1, y: 1, rx: 3, fill: colour(n), stroke: 'none' }) : null,
        s('text', { x: 16, y: 21, text: n.length > 20 ? n.slice(0, 19) + '…' : n }, s('title', { text: n })),
        s('text', { class: 'sub', x: 16, y: 38, text: sub }),
      ),
    );
  }
  svg.appendChild(nodes);
  return svg;
}

/** An edge from the node at `a` to the node at `b` (their top-left corners), and where its label goes. */
function edgePath(a: { x: number; y: number }, b: { x: number; y: number }, self: boolean): { path: string; lx: number; ly: number } {
  if (self) {
    // A loop on the node's top right corner.
    return {
      path: `M${a.x + NW - 30},${a.y} C${a.x + NW - 10},${a.y - 46} ${a.x + NW + 30},${a.y - 10} ${a.x + NW},${a.y + 12}`,
      lx: a.x + NW + 8,
      ly: a.y - 24,
    };
  }
  if (b.x > a.x) {
    const x1 = a.x + NW;
    const y1 = a.y + NH / 2;
    const x2 = b.x - 2;
    const y2 = b.y + NH / 2;
    const mx = (x1 + x2) / 2;
    return { path: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`, lx: mx, ly: (y1 + y2) / 2 };
  }
  // Against the layering (a cycle or same layer): an arc below.
  const x1 = a.x + NW / 2;
  const x2 = b.x + NW / 2 + 8;
  const y1 = a.y + NH;
  const y2 = b.y + NH + 2;
  const dip = Math.max(y1, y2) + 40;
  return { path: `M${x1},${y1} C${x1},${dip} ${x2},${dip} ${x2},${y2}`, lx: (x1 + x2) / 2, ly: dip - 10 };
}
