// The duration scatter above the results: one dot per trace, start time
// across, duration up, sized by span count; a click opens the trace.
import { colour } from './colours';
import { must, put, s } from './dom';
import { fmtDate, fmtDuration, fmtTime, plural } from './format';
import { navigate } from './router';
import { type TraceModel, traceTitle } from './trace-model';

/** 1, 2 or 5 × a power of ten, at least `raw`. */
function niceStep(raw: number): number {
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

export function renderScatter(results: TraceModel[]): void {
  const box = must('#scatter');
  const W = Math.max(300, box.clientWidth - 24);
  const H = 170;
  const M = { l: 58, r: 14, t: 12, b: 24 };
  const t0 = Math.min(...results.map((t) => t.start));
  const t1 = Math.max(...results.map((t) => t.start));
  const span = Math.max(t1 - t0, 1000);
  // One instant only: its dots in the middle.
  const x = (v: number): number => M.l + ((v - t0) / span) * (W - M.l - M.r) * (t1 === t0 ? 0 : 1) + (t1 === t0 ? (W - M.l - M.r) / 2 : 0);
  const step = niceStep(Math.max(...results.map((t) => t.duration), 1) / 4);
  const steps = Math.max(1, Math.ceil((Math.max(...results.map((t) => t.duration), 1) * 1.05) / step));
  const dMax = step * steps;
  const y = (v: number): number => H - M.b - (v / dMax) * (H - M.t - M.b);
  const svg = s('svg', { id: 'scatter-svg', viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', style: { height: H + 'px' } });
  const grid = s('g', { class: 'grid' });
  const axis = s('g', { class: 'axis' });
  for (let i = 0; i <= steps; i++) {
    const v = step * i;
    grid.appendChild(s('line', { x1: M.l, x2: W - M.r, y1: y(v), y2: y(v) }));
    axis.appendChild(s('text', { x: M.l - 8, y: y(v) + 3.5, 'text-anchor': 'end', text: fmtDuration(v) }));
  }
  const ticks = t1 === t0 ? 1 : 4;
  for (let i = 0; i <= ticks; i++) {
    const v = t1 === t0 ? t0 : t0 + (span / ticks) * i;
    axis.appendChild(
      s('text', {
        x: x(v),
        y: H - 6,
        'text-anchor': i === 0 && ticks > 1 ? 'start' : i === ticks && ticks > 1 ? 'end' : 'middle',
        text: fmtTime(v, span < 10e6),
      }),
    );
  }
  svg.append(grid, axis);
  const dots = s('g', { class: 'dots' });
  for (const t of [...results].sort((a, b) => b.duration - a.duration)) {
    const r = 4 + Math.min(7, Math.sqrt(t.spans.length));
    const title = traceTitle(t);
    dots.appendChild(
      s(
        'circle',
        {
          cx: x(t.start),
          cy: y(t.duration),
          r,
          fill: colour(t.root.service),
          class: t.errors ? 'error' : '',
          'data-trace-id': t.id,
          onclick: () => navigate(`/trace/${t.id}`),
        },
        s('title', {
          text: `${title.service}: ${title.name}\n${fmtDuration(t.duration)} · ${plural(t.spans.length, 'span')}${t.errors ? ' · ' + plural(t.errors, 'error') : ''}\n${fmtDate(t.start)}`,
        }),
      ),
    );
  }
  svg.appendChild(dots);
  put(box, svg);
}
