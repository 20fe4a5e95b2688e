// What the two OTLP encodings (protobuf, JSON) share: how spans nest into
// ResourceSpans and ScopeSpans, and which resource attributes may be read.

import type { Attributes } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

export type Resource = ReadableSpan['resource'];
export type Scope = ReadableSpan['instrumentationScope'];

/** name, version and schema URL: scopes equal in these share one ScopeSpans. */
export function scopeKey(scope: Scope): string {
  return `${scope.name}\n${scope.version ?? ''}\n${scope.schemaUrl ?? ''}`;
}

/** The resource's settled attributes; with async detectors still pending, the ones known so far. */
export function resourceAttributes(resource: Resource): Attributes {
  if (!resource.asyncAttributesPending || typeof resource.getRawAttributes !== 'function') return resource.attributes;
  // Reading `attributes` now would log an error: take the settled raw ones (first value of a key wins, as there).
  const settled: Attributes = {};
  for (const [key, value] of resource.getRawAttributes()) {
    if (value == null || typeof (value as PromiseLike<unknown>).then === 'function' || key in settled) continue;
    settled[key] = value as Attributes[string];
  }
  return settled;
}

export interface ScopeGroup<E> {
  scope: E;
  spans: ReadableSpan[];
}

/**
 * ResourceSpans per resource (object identity), ScopeSpans per scope (its
 * key), each in first-seen order. `entryOf` gives the encoding's cached scope
 * entry, which carries the key.
 */
export function groupSpans<E extends { key: string }>(spans: ReadableSpan[], entryOf: (scope: Scope) => E): Map<Resource, Map<string, ScopeGroup<E>>> {
  const byResource = new Map<Resource, Map<string, ScopeGroup<E>>>();
  // Consecutive spans usually share resource and scope objects: skip the lookups then.
  let lastResource: Resource | undefined;
  let lastScope: Scope | undefined;
  let lastGroup: ScopeGroup<E> | undefined;
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i];
    const resource = span.resource;
    const scope = span.instrumentationScope;
    if (resource === lastResource && scope === lastScope && lastGroup !== undefined) {
      lastGroup.spans.push(span);
      continue;
    }
    let byScope = byResource.get(resource);
    if (byScope === undefined) byResource.set(resource, (byScope = new Map()));
    const entry = entryOf(scope);
    let group = byScope.get(entry.key);
    if (group === undefined) byScope.set(entry.key, (group = { scope: entry, spans: [] }));
    group.spans.push(span);
    lastResource = resource;
    lastScope = scope;
    lastGroup = group;
  }
  return byResource;
}
