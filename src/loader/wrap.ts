// Every patch goes through shimmer's wrap, once per function: the original is
// kept on the wrapper (`__original`) and `unwrap` puts it back.

import shimmer = require('shimmer');
import { log } from '../log';

shimmer({ logger: (message: string) => log.debug(message) });

type Fn = (...args: any[]) => any;

/** Replaces target[name] with wrapper(original), once; false when there is no such function. */
export function wrap(target: object | null | undefined, name: string, wrapper: (original: Fn) => Fn): boolean {
  const holder = target as Record<string, unknown> | null | undefined;
  if (!holder || typeof holder[name] !== 'function') return false;
  if ((holder[name] as { __wrapped?: boolean }).__wrapped) return true;
  shimmer.wrap(holder, name, wrapper as never);
  return true;
}

/** Puts the original target[name] back. */
export function unwrap(target: object | null | undefined, name: string): void {
  const holder = target as Record<string, { __unwrap?: () => void }> | null | undefined;
  if (holder && typeof holder[name]?.__unwrap === 'function') shimmer.unwrap(holder, name);
}

/** The prototype in `proto`'s chain that owns `name` (libraries define methods on base classes). */
export function ownerOf(proto: object | null | undefined, name: string): object | undefined {
  for (let p = proto; p; p = Object.getPrototypeOf(p)) {
    if (Object.prototype.hasOwnProperty.call(p, name)) return p;
  }
  return undefined;
}
