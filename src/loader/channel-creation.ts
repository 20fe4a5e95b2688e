// Libraries that create their TracingChannels as they load (graphql 17, through
// process.getBuiltinModule('node:diagnostics_channel')) are subscribed to when
// they do: the first `tracingChannel('<prefix>…')` call calls back, before the
// library can publish. Subscribing up front instead would create every channel
// in every process, ~0.5 ms of startup for graphql alone; watching the module
// load would miss an ES module imported where no loader hook runs.

import * as dc from 'node:diagnostics_channel';
import { wrap } from './wrap';

const watchers: { prefix: string; onCreate: () => void }[] = [];

/** Calls `onCreate` once, when a TracingChannel whose name starts with `prefix` is first created. */
export function onTracingChannel(prefix: string, onCreate: () => void): void {
  watchers.push({ prefix, onCreate });
  if (watchers.length > 1) return;
  wrap(
    dc,
    'tracingChannel',
    (original) =>
      function tracingChannel(this: unknown, ...args: unknown[]) {
        const created = original.apply(this, args);
        const name = args[0];
        if (typeof name === 'string') {
          for (let i = 0; i < watchers.length; i++) {
            if (!name.startsWith(watchers[i].prefix)) continue;
            // Removed first: what onCreate subscribes creates channels of the same prefix.
            const [watcher] = watchers.splice(i--, 1);
            watcher.onCreate();
          }
        }
        return created;
      },
  );
}
