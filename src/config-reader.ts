// How one environment variable becomes a value: a reader per kind of value
// (true/false, whole number, one of some names, a list, key=value pairs, a URL,
// …) that takes the raw text and returns the value in effect, or writes one
// warning naming the variable and returns the default. It records what it read
// for `tracing-agent config`, secrets masked. Then the table type that
// src/config-table.ts fills with one row per variable, and readVariables(),
// which reads every row in order.

/** One variable as `tracing-agent config` shows it. */
export interface ConfigEntry {
  name: string;
  /** The raw value as set, or undefined when unset/empty. */
  raw: string | undefined;
  /** The value in effect, as text. */
  effective: string;
  /** True when the default is in effect (unset or rejected). */
  isDefault: boolean;
  secret: boolean;
}

/** The URL with any password in it replaced by ***, for logs and `tracing-agent config`. */
export function maskUrl(url: string): string {
  if (!url.includes('@')) return url;
  try {
    const u = new URL(url);
    if (u.password === '' && u.username === '') return url;
    // A password, or a lone user name (often a token), is the secret.
    if (u.password !== '') u.password = '***';
    else u.username = '***';
    return u.toString();
  } catch {
    return url;
  }
}

// RFC 9110 field names (tokens) and values (visible latin1, spaces and tabs; no CR, LF or NUL).
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

// How values are shown, both by `tracing-agent config` and in the docs' Default column.
const showInt = (n: number): string => (n === Infinity ? 'no limit' : String(n));
const showList = (items: readonly string[]): string => (items.length ? items.join(',') : 'none');
const showUrl = (url: string | undefined): string => (url === undefined ? '(unset)' : maskUrl(url));
const showPairs = (pairs: Record<string, string>, secret: boolean): string =>
  Object.keys(pairs)
    .map((k) => `${k}=${secret ? '***' : pairs[k]}`)
    .join(',') || '(none)';

/** Reads variables from one environment, remembering what it read and what it rejected. */
export class EnvReader {
  readonly entries: ConfigEntry[] = [];
  readonly warnings: string[] = [];
  /** Settings that turn something off (a malformed exporter endpoint), logged as errors. */
  readonly errors: string[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  /** The trimmed value, or undefined for unset and empty (the spec treats empty as unset). */
  raw(name: string): string | undefined {
    const value = this.env[name];
    if (value === undefined) return undefined;
    const trimmed = value.trim();
    return trimmed === '' ? undefined : trimmed;
  }

  warn(name: string, value: string, why: string, fallback: string): void {
    this.warnings.push(`${name}=${JSON.stringify(value)} ${why}; using ${fallback}`);
  }

  /** Secrets are masked here, so nothing that reads the entries can show them. */
  record(name: string, raw: string | undefined, effective: string, isDefault: boolean, secret = false): void {
    this.entries.push({ name, raw: secret && raw !== undefined ? '***' : raw, effective, isDefault, secret });
  }

  string(name: string, fallback: string, secret = false): string {
    const raw = this.raw(name);
    this.record(name, raw, raw === undefined ? fallback : secret ? '***' : raw, raw === undefined, secret);
    return raw ?? fallback;
  }

  optionalString(name: string, secret = false): string | undefined {
    const raw = this.raw(name);
    this.record(name, raw, raw === undefined ? '(unset)' : secret ? '***' : raw, raw === undefined, secret);
    return raw;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.raw(name);
    let value = fallback;
    if (raw !== undefined) {
      const lower = raw.toLowerCase();
      if (lower === 'true') value = true;
      else if (lower === 'false') value = false;
      else this.warn(name, raw, 'is not true or false', String(fallback));
    }
    this.record(name, raw, String(value), value === fallback);
    return value;
  }

  /** A whole number within [min, max]; values out of range or not integral fall back. */
  int(name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const raw = this.raw(name);
    let value = fallback;
    if (raw !== undefined) {
      const n = /^[+-]?\d+$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(n)) this.warn(name, raw, 'is not a whole number', showInt(fallback));
      else if (n < min || n > max)
        this.warn(name, raw, max === Number.MAX_SAFE_INTEGER ? `is below ${min}` : `is out of range ${min}..${max}`, showInt(fallback));
      else value = n;
    }
    this.record(name, raw, showInt(value), raw === undefined || value === fallback);
    return value;
  }

  /** A number from 0 to 1 (a sampling ratio). */
  ratio(name: string, fallback: number): number {
    const raw = this.raw(name);
    let value = fallback;
    if (raw !== undefined) {
      const n = /^\s*[+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/.test(raw) ? Number(raw) : NaN;
      if (Number.isFinite(n) && n >= 0 && n <= 1) value = n;
      else this.warn(name, raw, 'is not a ratio between 0 and 1', String(fallback));
    }
    this.record(name, raw, String(value), value === fallback);
    return value;
  }

  choice<T extends string>(name: string, allowed: readonly T[], fallback: T, aliases: Record<string, T> = {}, unsupported: readonly string[] = []): T {
    const raw = this.raw(name);
    let value = fallback;
    if (raw !== undefined) {
      const lower = raw.toLowerCase();
      const found = (allowed as readonly string[]).includes(lower) ? (lower as T) : Object.hasOwn(aliases, lower) ? aliases[lower] : undefined;
      if (found !== undefined) value = found;
      else if (unsupported.includes(lower)) this.warn(name, raw, 'is not supported by tracing-agent', fallback);
      else this.warn(name, raw, `is not one of ${allowed.join(', ')}`, fallback);
    }
    this.record(name, raw, value, value === fallback);
    return value;
  }

  /**
   * A comma-separated list of known names. Unknown names are warned about and
   * skipped; `none` alone means an empty list.
   */
  list<T extends string>(name: string, allowed: readonly T[], fallback: T[], opts: ListOptions<T> = {}): T[] {
    const raw = this.raw(name);
    let value = fallback;
    if (raw !== undefined) {
      const items = raw
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter((s) => s !== '');
      const picked: T[] = [];
      let sawNone = false;
      for (const item of items) {
        const known = (allowed as readonly string[]).includes(item)
          ? (item as T)
          : opts.aliases && Object.hasOwn(opts.aliases, item)
            ? opts.aliases[item]
            : undefined;
        if (item === 'none' && opts.none) sawNone = true;
        else if (known !== undefined) {
          if (!picked.includes(known)) picked.push(known);
        } else if (opts.unsupported && Object.hasOwn(opts.unsupported, item)) this.warnings.push(`${name}: ${item} ${opts.unsupported[item]}; ignored`);
        else this.warnings.push(`${name}: unknown name ${JSON.stringify(item)} ignored (known: ${allowed.join(', ')})`);
      }
      if (sawNone && picked.length > 0) this.warnings.push(`${name}: "none" given with other names; using none`);
      if (sawNone) value = [];
      else if (picked.length > 0) value = picked;
      else this.warn(name, raw, 'names nothing known', fallback.join(',') || 'none');
    }
    this.record(name, raw, showList(value), value === fallback);
    return value;
  }

  /**
   * `key=value,key2=value2` with percent-encoded values (W3C baggage style, as
   * the spec asks). A malformed entry is skipped; with `wholeOnError` (the
   * spec's rule for OTEL_RESOURCE_ATTRIBUTES) the whole value is discarded.
   */
  keyValues(name: string, secret = false, wholeOnError = false): Record<string, string> {
    const raw = this.raw(name);
    let out: Record<string, string> = {};
    if (raw !== undefined) {
      const problems: string[] = [];
      const parts = raw.split(',');
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i];
        if (part.trim() === '') continue;
        const eq = part.indexOf('=');
        const key = eq > 0 ? part.slice(0, eq).trim() : '';
        if (key === '') {
          // A secret's malformed entry may be the secret itself: name it by position only.
          problems.push(`entry ${secret ? `#${i + 1}` : JSON.stringify(part.trim())} is not key=value`);
          continue;
        }
        const rawValue = part.slice(eq + 1).trim();
        try {
          out[key] = decodeURIComponent(rawValue);
        } catch {
          problems.push(`the value of ${key} is not valid percent-encoding`);
          if (!wholeOnError) out[key] = rawValue;
        }
      }
      if (problems.length > 0 && wholeOnError) {
        this.warnings.push(`${name}: ${problems.join(', ')}; the whole value is ignored`);
        out = {};
      } else {
        for (const problem of problems) this.warnings.push(`${name}: ${problem}; ${problem.startsWith('entry') ? 'skipped' : 'used as written'}`);
      }
    }
    const shown = showPairs(out, secret);
    this.record(name, raw, shown, shown === '(none)', secret);
    return out;
  }

  /** Request headers (key=value pairs, secret): an entry no HTTP header can carry is skipped. */
  headers(name: string): Record<string, string> {
    const out = this.keyValues(name, true);
    for (const key of Object.keys(out)) {
      const problem = !HEADER_NAME.test(key)
        ? 'is not a valid header name'
        : !HEADER_VALUE.test(out[key])
          ? 'has a value with characters a header cannot carry'
          : undefined;
      if (problem === undefined) continue;
      this.warnings.push(`${name}: entry ${JSON.stringify(key)} ${problem}; skipped`);
      delete out[key];
    }
    return out;
  }

  /** A comma-separated list of free-form items (trimmed, empty ones skipped). */
  items(name: string): string[] {
    const raw = this.raw(name);
    const value =
      raw === undefined
        ? []
        : raw
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== '');
    this.record(name, raw, value.length ? value.join(',') : '(none)', value.length === 0);
    return value;
  }

  /**
   * An exporter's endpoint: an http(s) URL, or undefined when unset. A value
   * that is not one (no scheme, `ftp:`, not a URL) is an error that turns the
   * exporter off (`invalid`): sending to a default instead would deliver the
   * app's spans somewhere nobody asked for.
   */
  endpoint(name: string, exporter: string, fallback?: string): { value: string | undefined; invalid: boolean } {
    const raw = this.raw(name);
    let invalid = false;
    if (raw !== undefined) {
      let parsed: URL | undefined;
      try {
        parsed = new URL(raw);
      } catch {
        parsed = undefined;
      }
      if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.hostname === '') {
        invalid = true;
        this.errors.push(`${name}=${JSON.stringify(maskUrl(raw))} is not an http(s) URL; the ${exporter} exporter is off`);
      }
    }
    const shown = raw === undefined ? undefined : maskUrl(raw);
    this.record(
      name,
      shown,
      raw === undefined ? showUrl(fallback) : invalid ? `(invalid: the ${exporter} exporter is off)` : shown!,
      raw === undefined || invalid,
    );
    return { value: invalid ? undefined : raw, invalid };
  }
}

export interface ListOptions<T extends string> {
  /** `none` alone stands for the empty list. */
  none?: boolean;
  /** Names the spec knows that this agent does not support, with what to say about each. */
  unsupported?: Record<string, string>;
  /** Other spellings accepted for a name. */
  aliases?: Record<string, T>;
}

// ---- kinds of value: what a table row's `type` is ----

/** How a variable's text becomes a value of type T, and how such a value is shown. */
export interface ValueType<T> {
  read(r: EnvReader, name: string, fallback: T, secret: boolean): T;
  /** The value as `tracing-agent config` shows it, which is also how the docs show a default. */
  show(value: T): string;
}

/** `true` or `false`, any case. */
export const bool: ValueType<boolean> = { read: (r, name, fallback) => r.bool(name, fallback), show: String };

/** A whole number from min to max; the default may be Infinity (shown as "no limit"). */
export function int(min: number, max?: number): ValueType<number> {
  return { read: (r, name, fallback) => r.int(name, fallback, min, max), show: showInt };
}

/** A number from 0 to 1. */
export const ratio: ValueType<number> = { read: (r, name, fallback) => r.ratio(name, fallback), show: String };

/** Any text. */
export const text: ValueType<string> = { read: (r, name, fallback, secret) => r.string(name, fallback, secret), show: (s) => s };

/** Any text, or nothing when unset. */
export const optionalText: ValueType<string | undefined> = {
  read: (r, name, _fallback, secret) => r.optionalString(name, secret),
  show: (s) => s ?? '(unset)',
};

/** One of the given names (any case), or an alias of one; `unsupported` names get their own warning. */
export function oneOf<T extends string>(
  allowed: readonly T[],
  opts: { aliases?: Record<string, NoInfer<T>>; unsupported?: readonly string[] } = {},
): ValueType<T> {
  return { read: (r, name, fallback) => r.choice(name, allowed, fallback, opts.aliases, opts.unsupported), show: (s) => s };
}

/** A comma-separated list of the given names. */
export function listOf<T extends string>(allowed: readonly T[], opts: ListOptions<T> = {}): ValueType<T[]> {
  return { read: (r, name, fallback) => r.list(name, allowed, fallback, opts), show: showList };
}

/** `key=value,…` pairs, values percent-encoded; `wholeOnError` drops all of them when one is malformed. */
export function keyValues(opts: { wholeOnError?: boolean } = {}): ValueType<Record<string, string>> {
  return { read: (r, name, _fallback, secret) => r.keyValues(name, secret, opts.wholeOnError), show: (pairs) => showPairs(pairs, false) };
}

/** HTTP request headers as `key=value,…` (always secret: their values are masked). */
export const headers: ValueType<Record<string, string>> = { read: (r, name) => r.headers(name), show: (pairs) => showPairs(pairs, true) };

/** A comma-separated list of any items. */
export const items: ValueType<string[]> = { read: (r, name) => r.items(name), show: (v) => (v.length ? v.join(',') : '(none)') };

/** An exporter's http(s) endpoint; a malformed one is an error that turns that exporter off (readConfig). */
export function endpoint(exporter: string): ValueType<string> {
  return { read: (r, name, fallback) => r.endpoint(name, exporter, fallback).value ?? fallback, show: showUrl };
}

/** The same, for an endpoint without a default (undefined when unset or malformed). */
export function optionalEndpoint(exporter: string): ValueType<string | undefined> {
  return { read: (r, name) => r.endpoint(name, exporter).value, show: showUrl };
}

// ---- the table ----

/** The names among V's whose value is a T: what `sameAs` may name. */
type NamesOfType<V, T> = { [K in keyof V]: V[K] extends T ? K : never }[keyof V] & string;

interface RowBase<N extends string, T, V> {
  name: N;
  type: ValueType<T>;
  /** Its value is masked (`***`) wherever the agent shows it. */
  secret?: boolean;
  /** What it does, for the docs' Meaning column (Markdown). */
  doc: string;
  /**
   * When to read it at all: otherwise the default is used whatever is set,
   * and `tracing-agent config` shows `unused` instead of a value.
   */
  usedIf?: { test: (values: V) => boolean; unused: string };
}

/** A row's default: a value; a value computed from variables read before it; or another variable's value. */
type DefaultOf<T, V> =
  | { default: NoInfer<T>; defaultDoc?: string; sameAs?: never }
  | { default: (values: V) => NoInfer<T>; defaultDoc: string; sameAs?: never }
  | { sameAs: NamesOfType<V, T>; default?: never; defaultDoc?: never };

export type Row<N extends string, T, V> = RowBase<N, T, V> & DefaultOf<T, V>;

/** A row as the reader and the docs see it, whatever its name and type. */
export type AnyRow = {
  name: string;
  type: ValueType<unknown>;
  secret?: boolean;
  doc: string;
  usedIf?: { test: (values: Record<string, unknown>) => boolean; unused: string };
  default?: unknown;
  defaultDoc?: string;
  sameAs?: string;
};

/**
 * The variables, in the order they are read. Each `add` is one row; its type
 * knows the rows before it, so a default computed from another variable can
 * only use one read earlier, with that variable's type, and a name can be
 * added only once.
 */
export class VariableTable<V = object> {
  readonly rows: AnyRow[] = [];

  add<N extends string, T>(row: Row<N, T, V> & (N extends keyof V ? { nameAlreadyInTheTable: never } : unknown)): VariableTable<V & { [K in N]: T }> {
    this.rows.push(row as unknown as AnyRow);
    return this as unknown as VariableTable<V & { [K in N]: T }>;
  }
}

/** Every variable's value by name: `values.OTEL_BSP_SCHEDULE_DELAY` is a number. */
export type ValuesOf<Table> = Table extends VariableTable<infer V> ? { readonly [K in keyof V]: V[K] } : never;

/** How the docs state a row's default. */
export function defaultText(row: AnyRow): string {
  if (row.sameAs !== undefined) return row.sameAs;
  if (row.defaultDoc !== undefined) return row.defaultDoc;
  return row.type.show(row.default);
}

/** Reads every variable of the table from env, in the table's order. */
export function readVariables<V>(
  table: VariableTable<V>,
  env: NodeJS.ProcessEnv,
): { values: ValuesOf<VariableTable<V>>; entries: ConfigEntry[]; warnings: string[]; errors: string[] } {
  const r = new EnvReader(env);
  const values: Record<string, unknown> = {};
  for (const row of table.rows) {
    const fallback =
      row.sameAs !== undefined ? values[row.sameAs] : typeof row.default === 'function' ? (row.default as (v: typeof values) => unknown)(values) : row.default;
    if (row.usedIf && !row.usedIf.test(values)) {
      r.record(row.name, r.raw(row.name), row.usedIf.unused, true, row.secret);
      values[row.name] = fallback;
    } else {
      values[row.name] = row.type.read(r, row.name, fallback, row.secret ?? false);
    }
  }
  return { values: values as ValuesOf<VariableTable<V>>, entries: r.entries, warnings: r.warnings, errors: r.errors };
}
