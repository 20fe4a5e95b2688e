// The configured propagators as one TextMapPropagator: extract from whichever
// headers are present, inject all configured formats.

import type { Context, TextMapGetter, TextMapPropagator, TextMapSetter } from '@opentelemetry/api';
import type { PropagatorName } from '../config';
import { log } from '../log';
import { BaggagePropagator } from './baggage';
import { TraceContextPropagator } from './tracecontext';

// B3 and Jaeger are loaded only when configured.
const FACTORIES: Record<PropagatorName, () => TextMapPropagator> = {
  tracecontext: () => new TraceContextPropagator(),
  baggage: () => new BaggagePropagator(),
  b3: () => new (require('./b3') as typeof import('./b3')).B3SinglePropagator(),
  b3multi: () => new (require('./b3') as typeof import('./b3')).B3MultiPropagator(),
  jaeger: () => new (require('./jaeger') as typeof import('./jaeger')).JaegerPropagator(),
};

export class CompositePropagator implements TextMapPropagator {
  private readonly fieldList: string[];

  constructor(private readonly propagators: TextMapPropagator[]) {
    this.fieldList = Array.from(new Set(propagators.flatMap((p) => p.fields())));
  }

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    for (const p of this.propagators) {
      try {
        p.inject(context, carrier, setter);
      } catch (err) {
        log.once('warn', 'inject', `a propagator failed to inject: ${(err as Error).message}`);
      }
    }
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    let ctx = context;
    for (const p of this.propagators) {
      try {
        ctx = p.extract(ctx, carrier, getter);
      } catch (err) {
        log.once('warn', 'extract', `a propagator failed to extract: ${(err as Error).message}`);
      }
    }
    return ctx;
  }

  fields(): string[] {
    return this.fieldList.slice();
  }
}

export function createPropagator(names: PropagatorName[]): CompositePropagator {
  const list: TextMapPropagator[] = [];
  for (const name of names) {
    const make = FACTORIES[name];
    if (make) list.push(make());
    else log.warn(`propagator ${name} is not available in this build; skipped`);
  }
  return new CompositePropagator(list);
}

/** The propagator in effect, shared by the hooks and the API global. */
export const propagation: { current: CompositePropagator } = { current: new CompositePropagator([]) };

/** Getter over Node's IncomingMessage.headers (keys already lower-case). */
export const headersGetter: TextMapGetter<Record<string, string | string[] | undefined>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};
