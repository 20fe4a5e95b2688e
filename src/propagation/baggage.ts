// W3C Baggage: the `baggage` header, with the limits the spec sets.
// https://www.w3.org/TR/baggage/

import type { Baggage, BaggageEntry, Context, TextMapGetter, TextMapPropagator, TextMapSetter } from '@opentelemetry/api';
import { BAGGAGE_KEY, isTracingSuppressed } from '../context';

const HEADER = 'baggage';
const MAX_MEMBERS = 180;
const MAX_HEADER_BYTES = 8192;
const MAX_MEMBER_BYTES = 4096;
const METADATA_TYPE = Symbol('BaggageEntryMetadata');

/** The API's Baggage contract over an immutable map. */
export class AgentBaggage implements Baggage {
  constructor(private readonly entries: Map<string, BaggageEntry> = new Map()) {}

  getEntry(key: string): BaggageEntry | undefined {
    const entry = this.entries.get(key);
    return entry ? { ...entry } : undefined;
  }

  getAllEntries(): [string, BaggageEntry][] {
    return Array.from(this.entries.entries()).map(([k, v]) => [k, { ...v }]);
  }

  setEntry(key: string, entry: BaggageEntry): AgentBaggage {
    const next = new Map(this.entries);
    next.set(key, entry);
    return new AgentBaggage(next);
  }

  removeEntry(key: string): AgentBaggage {
    const next = new Map(this.entries);
    next.delete(key);
    return new AgentBaggage(next);
  }

  removeEntries(...keys: string[]): AgentBaggage {
    const next = new Map(this.entries);
    for (const key of keys) next.delete(key);
    return new AgentBaggage(next);
  }

  clear(): AgentBaggage {
    return new AgentBaggage();
  }
}

function metadata(text: string): BaggageEntry['metadata'] {
  return { __TYPE__: METADATA_TYPE, toString: () => text } as unknown as BaggageEntry['metadata'];
}

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

export function parseBaggage(header: string): AgentBaggage | undefined {
  const entries = new Map<string, BaggageEntry>();
  for (const member of header.split(',')) {
    if (entries.size >= MAX_MEMBERS) break;
    const [pair, ...props] = member.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const key = safeDecode(pair.slice(0, eq).trim());
    const value = safeDecode(pair.slice(eq + 1).trim());
    if (!key || value === undefined) continue;
    const entry: BaggageEntry = { value };
    if (props.length > 0) entry.metadata = metadata(props.join(';').trim());
    entries.set(key, entry);
  }
  return entries.size > 0 ? new AgentBaggage(entries) : undefined;
}

export class BaggagePropagator implements TextMapPropagator {
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const baggage = context.getValue(BAGGAGE_KEY) as Baggage | undefined;
    if (baggage === undefined || isTracingSuppressed(context)) return;
    const members: string[] = [];
    let bytes = 0;
    for (const [key, entry] of baggage.getAllEntries()) {
      let member = `${encodeURIComponent(key)}=${encodeURIComponent(entry.value)}`;
      if (entry.metadata !== undefined) member += `;${entry.metadata.toString()}`;
      if (member.length > MAX_MEMBER_BYTES || bytes + member.length + 1 > MAX_HEADER_BYTES) continue;
      bytes += member.length + 1;
      members.push(member);
      if (members.length >= MAX_MEMBERS) break;
    }
    if (members.length > 0) setter.set(carrier, HEADER, members.join(','));
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const raw = getter.get(carrier, HEADER);
    const header = Array.isArray(raw) ? raw.join(',') : raw;
    if (!header) return context;
    const baggage = parseBaggage(header);
    return baggage ? context.setValue(BAGGAGE_KEY, baggage) : context;
  }

  fields(): string[] {
    return [HEADER];
  }
}
