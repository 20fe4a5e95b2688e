// graphql (graphql-js) 16 and 17: an INTERNAL span per operation executed,
// named `{operation type} {operation name}` (`query GetUser`), under whatever
// is active (the HTTP request's SERVER span, which keeps its own name), with
// graphql.operation.type, graphql.operation.name and graphql.document (the
// document with its string and number literals replaced by `?`). The errors
// in the result are recorded on it, though HTTP answers 200. Resolvers run
// inside it, so their queries nest under it.
// TRACING_AGENT_GRAPHQL_SPANS=phases adds a span per parse and per validate,
// `all` also one per call of a resolver the app wrote (default resolvers,
// which read a property, are never spans).
// graphql 17 publishes its own TracingChannels (graphql:execute, graphql:parse,
// graphql:validate, graphql:resolve), subscribed at startup whichever way it
// is loaded (it is an ES module where the runtime lets require load one);
// graphql 16's execute, parse and validate are patched.

import type { Attributes, Context, Span } from '@opentelemetry/api';
import { activeContext, applyInContext, contextWithSpan, isTracingSuppressed } from '../context';
import { traceChannel } from '../loader/channels';
import { HookGuard, recordError, type Fn } from '../loader/trace-call';
import { SPAN_KIND_INTERNAL, STATUS_ERROR } from '../otel-constants';
import { wrap } from '../loader/wrap';
import { agentConfig, hookTracer } from '../provider';

const guard = new HookGuard('graphql');
const tracer = hookTracer('graphql');

function mode(): 'execute' | 'phases' | 'all' {
  return agentConfig()?.graphqlSpans ?? 'execute';
}

// ---- the document, without its literals ----

const MAX_CACHED = 500;
const sanitized = new Map<string, string>();

function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

/**
 * GraphQL text with every string (also block strings) and number replaced by
 * `?`, comments removed and whitespace (and commas) collapsed; names,
 * variables, booleans, null and enum values stay.
 */
export function sanitizeGraphql(text: string): string {
  let out = '';
  let i = 0;
  const n = text.length;
  let space = false;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 44 /* , */) {
      space = true;
      i++;
      continue;
    }
    if (c === 35 /* # */) {
      while (i < n && text.charCodeAt(i) !== 10) i++;
      space = true;
      continue;
    }
    // One space for each run of whitespace and commas (insignificant in GraphQL), none inside brackets' edges.
    if (space && out !== '' && c !== 41 /* ) */ && c !== 93 /* ] */ && !out.endsWith('(') && !out.endsWith('[')) out += ' ';
    space = false;
    if (c === 34 /* " */) {
      if (text.startsWith('"""', i)) {
        i += 3;
        while (i < n && !text.startsWith('"""', i)) i += text.startsWith('\\"""', i) ? 4 : 1;
        i += 3;
      } else {
        i++;
        while (i < n && text.charCodeAt(i) !== 34 && text.charCodeAt(i) !== 10) i += text.charCodeAt(i) === 92 /* \ */ ? 2 : 1;
        i++;
      }
      out += '?';
      continue;
    }
    if ((c >= 48 && c <= 57) || (c === 45 /* - */ && i + 1 < n && text.charCodeAt(i + 1) >= 48 && text.charCodeAt(i + 1) <= 57)) {
      i++;
      while (
        i < n &&
        (isNameChar(text.charCodeAt(i)) ||
          text.charCodeAt(i) === 46 /* . */ ||
          ((text.charCodeAt(i) === 43 || text.charCodeAt(i) === 45) && (text.charCodeAt(i - 1) | 32) === 101))
      )
        i++;
      out += '?';
      continue;
    }
    if (isNameChar(c)) {
      const start = i;
      while (i < n && isNameChar(text.charCodeAt(i))) i++;
      out += text.slice(start, i);
      continue;
    }
    out += text[i];
    i++;
  }
  return out;
}

function documentText(document: any): string | undefined {
  const body = document?.loc?.source?.body;
  if (typeof body !== 'string') return undefined;
  let found = sanitized.get(body);
  if (found === undefined) {
    found = sanitizeGraphql(body);
    if (sanitized.size >= MAX_CACHED) sanitized.clear();
    sanitized.set(body, found);
  }
  return found;
}

// ---- the execution span ----

/** The operation `execute` will run: the one named, or the only one. */
function operationOf(document: any, operationName: unknown): { operation?: string; name?: string } {
  const definitions: any[] = Array.isArray(document?.definitions) ? document.definitions : [];
  const operations = definitions.filter((d) => d?.kind === 'OperationDefinition');
  const chosen =
    typeof operationName === 'string' ? operations.find((d) => d.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
  return { operation: chosen?.operation, name: chosen?.name?.value ?? (typeof operationName === 'string' ? operationName : undefined) };
}

function startExecuteSpan(document: unknown, operationType: string | undefined, operationName: string | undefined, parent: Context): Span {
  const attributes: Attributes = {};
  if (operationType) attributes['graphql.operation.type'] = operationType;
  if (operationName) attributes['graphql.operation.name'] = operationName;
  const text = documentText(document);
  if (text !== undefined) attributes['graphql.document'] = text;
  const name = operationType ? (operationName ? `${operationType} ${operationName}` : operationType) : 'GraphQL Operation';
  return tracer.startSpan(name, { kind: SPAN_KIND_INTERNAL, attributes }, parent);
}

/** Ends an execution's span: a thrown error, or the errors in the result (HTTP still answers 200 with them). */
function endExecuteSpan(span: Span, err: unknown, result: unknown): void {
  if (err) recordError(span, err);
  else {
    const errors = (result as { errors?: unknown[] } | undefined)?.errors;
    if (Array.isArray(errors) && errors.length > 0) {
      try {
        for (const e of errors) if (e instanceof Error) span.recordException(e);
        span.setAttribute('error.type', 'GraphQLError');
        span.setStatus({ code: STATUS_ERROR, message: (errors[0] as { message?: string })?.message });
      } catch {
        // a span that refuses attributes must not break the app
      }
    }
  }
  span.end();
}

// ---- graphql 16: patched ----

function wrapExecute(original: Fn): Fn {
  return function execute(this: unknown, args: any) {
    const parent = activeContext();
    if (!guard.enabled || isTracingSuppressed(parent) || args === null || typeof args !== 'object')
      return original.apply(this, arguments as unknown as unknown[]);
    let span: Span | undefined;
    try {
      const { operation, name } = operationOf(args.document, args.operationName);
      span = startExecuteSpan(args.document, operation, name, parent);
      if (mode() === 'all') wrapResolvers(args.schema);
    } catch (err) {
      guard.fail(err);
    }
    if (span === undefined) return original.apply(this, arguments as unknown as unknown[]);
    const traced = span;
    let result: any;
    try {
      result = applyInContext(contextWithSpan(parent, traced), original, this, arguments);
    } catch (err) {
      endExecuteSpan(traced, err, undefined);
      throw err;
    }
    if (result !== null && typeof result === 'object' && typeof result.then === 'function') {
      return result.then(
        (value: unknown) => {
          endExecuteSpan(traced, undefined, value);
          return value;
        },
        (err: unknown) => {
          endExecuteSpan(traced, err, undefined);
          throw err;
        },
      );
    }
    endExecuteSpan(traced, undefined, result);
    return result;
  };
}

/** parse and validate, only with TRACING_AGENT_GRAPHQL_SPANS=phases or all. */
function wrapPhase(phase: 'parse' | 'validate'): (original: Fn) => Fn {
  return (original) =>
    function traced(this: unknown) {
      const parent = activeContext();
      if (!guard.enabled || mode() === 'execute' || isTracingSuppressed(parent)) return original.apply(this, arguments as unknown as unknown[]);
      const span = tracer.startSpan(`graphql.${phase}`, { kind: SPAN_KIND_INTERNAL }, parent);
      try {
        const result = original.apply(this, arguments as unknown as unknown[]);
        if (phase === 'validate') endPhase(span, undefined, result);
        else span.end();
        return result;
      } catch (err) {
        recordError(span, err);
        span.end();
        throw err;
      }
    };
}

/** validate returns its errors: recorded on its span. */
function endPhase(span: Span, err: unknown, result: unknown): void {
  if (err) recordError(span, err);
  else if (Array.isArray(result) && result.length > 0) {
    span.setAttribute('error.type', 'GraphQLError');
    span.setStatus({ code: STATUS_ERROR, message: (result[0] as { message?: string })?.message });
  }
  span.end();
}

const wrappedSchemas = new WeakSet<object>();

/** graphql 16 with TRACING_AGENT_GRAPHQL_SPANS=all: each resolver the app wrote, wrapped once per schema. */
function wrapResolvers(schema: any): void {
  if (schema === null || typeof schema !== 'object' || wrappedSchemas.has(schema) || typeof schema.getTypeMap !== 'function') return;
  wrappedSchemas.add(schema);
  for (const type of Object.values(schema.getTypeMap() as Record<string, any>)) {
    if (typeof type?.getFields !== 'function' || String(type.name).startsWith('__') || typeof type.getInterfaces !== 'function') continue;
    for (const field of Object.values(type.getFields() as Record<string, any>)) {
      if (typeof field?.resolve === 'function') field.resolve = tracedResolver(type.name, field.name, field.resolve);
    }
  }
}

function pathOf(info: any): string {
  const keys: unknown[] = [];
  for (let p = info?.path; p; p = p.prev) keys.push(p.key);
  return keys.reverse().join('.');
}

function startResolveSpan(parentType: string, fieldName: string, fieldPath: string, fieldType: string | undefined, parent: Context): Span {
  const attributes: Attributes = { 'graphql.field.name': fieldName, 'graphql.field.path': fieldPath, 'graphql.parent.type': parentType };
  if (fieldType) attributes['graphql.field.type'] = fieldType;
  return tracer.startSpan(`resolve ${parentType}.${fieldName}`, { kind: SPAN_KIND_INTERNAL, attributes }, parent);
}

function tracedResolver(typeName: string, fieldName: string, resolve: Fn): Fn {
  return function resolver(this: unknown, _source: unknown, _args: unknown, _context: unknown, info: any) {
    const parent = activeContext();
    if (!guard.enabled || mode() !== 'all' || isTracingSuppressed(parent)) return resolve.apply(this, arguments as unknown as unknown[]);
    let span: Span | undefined;
    try {
      span = startResolveSpan(typeName, fieldName, pathOf(info), info?.returnType ? String(info.returnType) : undefined, parent);
    } catch (err) {
      guard.fail(err);
    }
    if (span === undefined) return resolve.apply(this, arguments as unknown as unknown[]);
    const traced = span;
    let result: any;
    try {
      result = applyInContext(contextWithSpan(parent, traced), resolve, this, arguments);
    } catch (err) {
      recordError(traced, err);
      traced.end();
      throw err;
    }
    if (result !== null && typeof result === 'object' && typeof result.then === 'function') {
      result.then(
        () => traced.end(),
        (err: unknown) => {
          recordError(traced, err);
          traced.end();
        },
      );
    } else {
      traced.end();
    }
    return result;
  };
}

// ---- graphql 17: its own TracingChannels ----

interface ExecuteMessage {
  document?: unknown;
  operationName?: string;
  operationType?: string;
  result?: unknown;
}
interface ResolveMessage {
  fieldName?: string;
  parentType?: string;
  fieldType?: string;
  fieldPath?: string;
  isDefaultResolver?: boolean;
}

export function subscribeChannels(): void {
  traceChannel<ExecuteMessage>('graphql:execute', {
    guard,
    active: true,
    mixed: true,
    start: (m, parent) => startExecuteSpan(m.document, m.operationType, m.operationName, parent),
    end: (span, err, m) => endExecuteSpan(span, err, m.result),
  });
  traceChannel<{ result?: unknown }>('graphql:parse', {
    guard,
    sync: true,
    start: (_m, parent) => (mode() === 'execute' ? undefined : tracer.startSpan('graphql.parse', { kind: SPAN_KIND_INTERNAL }, parent)),
    end: (span, err) => endPhase(span, err, undefined),
  });
  traceChannel<{ result?: unknown }>('graphql:validate', {
    guard,
    sync: true,
    start: (_m, parent) => (mode() === 'execute' ? undefined : tracer.startSpan('graphql.validate', { kind: SPAN_KIND_INTERNAL }, parent)),
    end: (span, err, m) => endPhase(span, err, m.result),
  });
  traceChannel<ResolveMessage>('graphql:resolve', {
    guard,
    active: true,
    mixed: true,
    start: (m, parent) =>
      mode() !== 'all' || m.isDefaultResolver
        ? undefined
        : startResolveSpan(String(m.parentType), String(m.fieldName), String(m.fieldPath), m.fieldType, parent),
    end: (span, err) => {
      if (err) recordError(span, err);
      span.end();
    },
  });
}

export function patchExecute(exports: any): void {
  if (typeof exports?.execute !== 'function') throw new Error('unexpected shape: no execute');
  wrap(exports, 'execute', wrapExecute);
  wrap(exports, 'executeSync', wrapExecute);
}
export const patchParser = (exports: any) => wrap(exports, 'parse', wrapPhase('parse'));
export const patchValidate = (exports: any) => wrap(exports, 'validate', wrapPhase('validate'));
