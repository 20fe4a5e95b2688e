// How durations, times and counts read on the page. Times are µs since the
// epoch, as in Jaeger's JSON.

export function fmtDuration(us: number): string {
  if (us < 1) return '0µs';
  if (us < 1000) return `${Math.round(us)}µs`;
  if (us < 1e6) return `${trim(us / 1000)}ms`;
  if (us < 60e6) return `${trim(us / 1e6)}s`;
  const m = Math.floor(us / 60e6);
  return `${m}m ${Math.round((us - m * 60e6) / 1e6)}s`;
}

/** Three significant digits at most, no trailing zeros. */
function trim(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1).replace(/\.0$/, '') : n.toFixed(2).replace(/\.?0+$/, '');
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** Local time of day: 14:03:07.123 (or without the milliseconds). */
export function fmtTime(us: number, ms = true): string {
  const d = new Date(us / 1000);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${ms ? '.' + pad(d.getMilliseconds(), 3) : ''}`;
}

export function fmtDate(us: number): string {
  const d = new Date(us / 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${fmtTime(us)}`;
}

export function fmtAgo(us: number): string {
  const s = Math.max(0, (Date.now() - us / 1000) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${Math.floor(s)}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

/** "1 span", "3 spans". */
export const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;
