// Version ranges as integrations declare them: space-separated comparators
// (`>=8.0.3 <9`), alternatives joined by `||`. Enough of semver for our own
// declarations, without a dependency.

type Version = [number, number, number];

function parse(text: string): Version | undefined {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)] : undefined;
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

function comparatorHolds(version: Version, comparator: string): boolean {
  const m = /^(>=|<=|>|<|=)?(.+)$/.exec(comparator);
  const bound = m && parse(m[2]);
  if (!bound) return false;
  const c = compare(version, bound);
  switch (m[1]) {
    case '>=':
      return c >= 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '<':
      return c < 0;
    default:
      return c === 0;
  }
}

/** Does `version` (e.g. `8.23.1`) fall in `range`? A prerelease counts as its release. */
export function satisfies(version: string, range: string): boolean {
  if (range.trim() === '*') return true;
  const v = parse(version);
  if (!v) return false;
  return range.split('||').some((alternative) =>
    alternative
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .every((c) => comparatorHolds(v, c)),
  );
}

/** Is `version` below every alternative's lower bound in `range`? */
export function isBelow(version: string, range: string): boolean {
  const v = parse(version);
  if (!v) return false;
  return range.split('||').every((alternative) => {
    const lower = alternative
      .trim()
      .split(/\s+/)
      .find((c) => c.startsWith('>'));
    const bound = lower === undefined ? undefined : parse(lower.replace(/^>=?/, ''));
    return bound !== undefined && compare(v, bound) < 0;
  });
}
