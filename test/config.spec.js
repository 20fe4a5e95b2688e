'use strict';
// Configuration: every variable the agent reads, with good, bad and edge
// values (empty, blank, wrong case, out of range, unknown names). A bad value
// gives one clear warning line and the documented default, never a throw.
// Then end to end: `tracing-agent config`, the startup line, the README table,
// span limits and hook selection in real processes.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { readConfig } = require('../dist/config');
const { VARIABLES, markdownTable } = require('../dist/config-command');
const { VARIABLE_TABLE } = require('../dist/config-table');
const DOCS = require('../scripts/docs');
const HOOK_NAMES = require('../dist/hooks').INTEGRATIONS.map((integration) => integration.name);
const { startReceiver, useReceiver } = require('./support/receiver');
const { ROOT, agentEnv, runNode, startService, get, fixture } = require('./support/processes');

const ALL_HOOKS = [...HOOK_NAMES];
const WITHOUT = (...names) => ALL_HOOKS.filter((n) => !names.includes(n));

// [variable(s) as env, what to read from the Config, expected value, warning (regex) or null for none]
const T = (env, read, expected, warning = null) => ({ env, read, expected, warning });
const sdk = (c) => c.disabled;
const level = (c) => c.logLevel;
const service = (c) => c.serviceName;
const resource = (c) => c.resourceAttributes;
const exporters = (c) => c.exporters;
const otlp = (key) => (c) => c.otlp[key];
const jaeger = (key) => (c) => c.jaeger[key];
const sampler = (c) => [c.sampler.name, c.sampler.ratio];
const propagators = (c) => c.propagators;
const batch = (key) => (c) => c.batch[key];
const limit = (key) => (c) => c.spanLimits[key];
const hooks = (c) => c.hooks;
const offAndErrors = (c) => [c.exporters, c.errors];

// One case per line, to read down the table.
// prettier-ignore
const TABLE = {
  OTEL_SDK_DISABLED: [
    T({ OTEL_SDK_DISABLED: 'true' }, sdk, true),
    T({ OTEL_SDK_DISABLED: 'TRUE' }, sdk, true),
    T({ OTEL_SDK_DISABLED: ' True ' }, sdk, true),
    T({ OTEL_SDK_DISABLED: 'false' }, sdk, false),
    T({ OTEL_SDK_DISABLED: '' }, sdk, false),
    T({ OTEL_SDK_DISABLED: '   ' }, sdk, false),
    T({ OTEL_SDK_DISABLED: 'yes' }, sdk, false, /^OTEL_SDK_DISABLED="yes" is not true or false; using false$/),
    T({ OTEL_SDK_DISABLED: '1' }, sdk, false, /OTEL_SDK_DISABLED="1" is not true or false/),
  ],
  OTEL_LOG_LEVEL: [
    T({ OTEL_LOG_LEVEL: 'debug' }, level, 'debug'),
    T({ OTEL_LOG_LEVEL: 'INFO' }, level, 'info'),
    T({ OTEL_LOG_LEVEL: 'warning' }, level, 'warn'),
    T({ OTEL_LOG_LEVEL: 'none' }, level, 'none'),
    T({ OTEL_LOG_LEVEL: '' }, level, 'warn'),
    T({ OTEL_LOG_LEVEL: 'loud' }, level, 'warn', /^OTEL_LOG_LEVEL="loud" is not one of none, error, warn, info, debug, verbose, all; using warn$/),
  ],
  OTEL_RESOURCE_ATTRIBUTES: [
    T({ OTEL_RESOURCE_ATTRIBUTES: 'a=1,b=x%20y' }, resource, { a: '1', b: 'x y' }),
    T({ OTEL_RESOURCE_ATTRIBUTES: ' a = 1 ,, b=2 ' }, resource, { a: '1', b: '2' }),
    T({ OTEL_RESOURCE_ATTRIBUTES: 'url=http://x/?q=1' }, resource, { url: 'http://x/?q=1' }),
    T({ OTEL_RESOURCE_ATTRIBUTES: '' }, resource, {}),
    T({ OTEL_RESOURCE_ATTRIBUTES: 'a=1,broken' }, resource, {}, /^OTEL_RESOURCE_ATTRIBUTES: entry "broken" is not key=value; the whole value is ignored$/),
    T({ OTEL_RESOURCE_ATTRIBUTES: 'a=1,b=%zz' }, resource, {}, /the value of b is not valid percent-encoding; the whole value is ignored/),
    T({ OTEL_RESOURCE_ATTRIBUTES: '=x' }, resource, {}, /entry "=x" is not key=value/),
  ],
  OTEL_SERVICE_NAME: [
    T({ OTEL_SERVICE_NAME: 'shop' }, service, 'shop'),
    T({ OTEL_SERVICE_NAME: '  shop  ' }, service, 'shop'),
    T({ OTEL_SERVICE_NAME: '' }, service, 'unknown_service:node'),
    T({ OTEL_SERVICE_NAME: ' ' }, service, 'unknown_service:node'),
    T({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-resource' }, service, 'from-resource'),
    T({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-resource', OTEL_SERVICE_NAME: 'wins' }, service, 'wins'),
  ],
  OTEL_TRACES_EXPORTER: [
    T({ OTEL_TRACES_EXPORTER: 'jaeger' }, exporters, ['jaeger']),
    T({ OTEL_TRACES_EXPORTER: 'otlp,jaeger,console' }, exporters, ['otlp', 'jaeger', 'console']),
    T({ OTEL_TRACES_EXPORTER: ' OTLP , Console ,otlp' }, exporters, ['otlp', 'console']),
    T({ OTEL_TRACES_EXPORTER: 'none' }, exporters, []),
    T({ OTEL_TRACES_EXPORTER: '' }, exporters, ['otlp']),
    T({ OTEL_TRACES_EXPORTER: 'otlp,foo' }, exporters, ['otlp'], /^OTEL_TRACES_EXPORTER: unknown name "foo" ignored \(known: otlp, jaeger, console\)$/),
    T({ OTEL_TRACES_EXPORTER: 'zipkin' }, exporters, ['otlp'], /OTEL_TRACES_EXPORTER: zipkin is not supported by tracing-agent; ignored/),
    T({ OTEL_TRACES_EXPORTER: 'logging' }, exporters, ['otlp'], /logging is deprecated \(use console\)/),
    T({ OTEL_TRACES_EXPORTER: 'none,otlp' }, exporters, [], /"none" given with other names; using none/),
    T({ OTEL_TRACES_EXPORTER: ',' }, exporters, ['otlp'], /OTEL_TRACES_EXPORTER="," names nothing known; using otlp/),
  ],
  OTEL_EXPORTER_OTLP_ENDPOINT: [
    T({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, otlp('endpoint'), 'http://collector:4318/v1/traces'),
    T({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector:4318/' }, otlp('endpoint'), 'https://collector:4318/v1/traces'),
    T({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector/prefix' }, otlp('endpoint'), 'http://collector/prefix/v1/traces'),
    T({ OTEL_EXPORTER_OTLP_ENDPOINT: '' }, otlp('endpoint'), 'http://localhost:4318/v1/traces'),
    // A malformed endpoint is an error that turns the exporter off, never a silent redirect to localhost.
    T({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, offAndErrors, [[], ['OTEL_EXPORTER_OTLP_ENDPOINT="collector:4318" is not an http(s) URL; the otlp exporter is off']]),
    T({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }, offAndErrors, [[], ['OTEL_EXPORTER_OTLP_ENDPOINT="not a url" is not an http(s) URL; the otlp exporter is off']]),
    T({ OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://collector', OTEL_TRACES_EXPORTER: 'otlp,console' }, offAndErrors, [['console'], ['OTEL_EXPORTER_OTLP_ENDPOINT="ftp://collector" is not an http(s) URL; the otlp exporter is off']]),
    T({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c/x' }, (c) => [c.exporters, c.otlp.endpoint, c.errors.length], [['otlp'], 'http://c/x', 1]),
    T({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/v1/traces' }, otlp('endpoint'), 'http://c:4318/v1/traces/v1/traces', /already ends in \/v1\/traces/),
  ],
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: [
    T({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/custom' }, otlp('endpoint'), 'http://c:4318/custom'),
    T({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c/x', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://other' }, otlp('endpoint'), 'http://c/x'),
    T({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'ftp://c/x', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://other' }, offAndErrors, [[], ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="ftp://c/x" is not an http(s) URL; the otlp exporter is off']]),
  ],
  OTEL_EXPORTER_OTLP_PROTOCOL: [
    T({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, otlp('protocol'), 'http/json'),
    T({ OTEL_EXPORTER_OTLP_PROTOCOL: 'HTTP/JSON' }, otlp('protocol'), 'http/json'),
    T({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, otlp('protocol'), 'http/protobuf', /^OTEL_EXPORTER_OTLP_PROTOCOL="grpc" is not supported by tracing-agent; using http\/protobuf$/),
    T({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http' }, otlp('protocol'), 'http/protobuf', /is not one of http\/protobuf, http\/json/),
  ],
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: [
    T({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' }, otlp('protocol'), 'http/json'),
    T({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, otlp('protocol'), 'http/protobuf'),
    T({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'thrift', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, otlp('protocol'), 'http/json', /OTEL_EXPORTER_OTLP_TRACES_PROTOCOL="thrift" is not one of .*; using http\/json/),
  ],
  OTEL_EXPORTER_OTLP_HEADERS: [
    T({ OTEL_EXPORTER_OTLP_HEADERS: 'api-key=abc,x-b=c%20d' }, otlp('headers'), { 'api-key': 'abc', 'x-b': 'c d' }),
    T({ OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20t0ken' }, otlp('headers'), { authorization: 'Bearer t0ken' }),
    T({ OTEL_EXPORTER_OTLP_HEADERS: 'a=1,Bearer t0ken' }, otlp('headers'), { a: '1' }, /^OTEL_EXPORTER_OTLP_HEADERS: entry #2 is not key=value; skipped$/),
    T({ OTEL_EXPORTER_OTLP_HEADERS: '' }, otlp('headers'), {}),
    T({ OTEL_EXPORTER_OTLP_HEADERS: 'a=1,x-evil=v%0D%0AInjected: yes' }, otlp('headers'), { a: '1' }, /^OTEL_EXPORTER_OTLP_HEADERS: entry "x-evil" has a value with characters a header cannot carry; skipped$/),
    T({ OTEL_EXPORTER_OTLP_HEADERS: 'bad name=1,ok=2' }, otlp('headers'), { ok: '2' }, /^OTEL_EXPORTER_OTLP_HEADERS: entry "bad name" is not a valid header name; skipped$/),
  ],
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: [
    T({ OTEL_EXPORTER_OTLP_HEADERS: 'a=1,b=2', OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'b=3' }, otlp('headers'), { a: '1', b: '3' }),
    T({ OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x=%' }, otlp('headers'), { x: '%' }, /OTEL_EXPORTER_OTLP_TRACES_HEADERS: the value of x is not valid percent-encoding; used as written/),
  ],
  OTEL_EXPORTER_OTLP_TIMEOUT: [
    T({ OTEL_EXPORTER_OTLP_TIMEOUT: '5000' }, otlp('timeoutMs'), 5000),
    T({ OTEL_EXPORTER_OTLP_TIMEOUT: ' 250 ' }, otlp('timeoutMs'), 250),
    T({ OTEL_EXPORTER_OTLP_TIMEOUT: '0' }, otlp('timeoutMs'), 10000, /^OTEL_EXPORTER_OTLP_TIMEOUT="0" is below 1; using 10000$/),
    T({ OTEL_EXPORTER_OTLP_TIMEOUT: '-1' }, otlp('timeoutMs'), 10000, /is below 1/),
    T({ OTEL_EXPORTER_OTLP_TIMEOUT: '1.5' }, otlp('timeoutMs'), 10000, /"1.5" is not a whole number; using 10000/),
    T({ OTEL_EXPORTER_OTLP_TIMEOUT: '10s' }, otlp('timeoutMs'), 10000, /is not a whole number/),
    T({ OTEL_EXPORTER_OTLP_TIMEOUT: '99999999999999999999' }, otlp('timeoutMs'), 10000, /is not a whole number/),
  ],
  OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: [
    T({ OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '700', OTEL_EXPORTER_OTLP_TIMEOUT: '5000' }, otlp('timeoutMs'), 700),
    T({ OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: 'x', OTEL_EXPORTER_OTLP_TIMEOUT: '5000' }, otlp('timeoutMs'), 5000, /OTEL_EXPORTER_OTLP_TRACES_TIMEOUT="x" is not a whole number; using 5000/),
  ],
  OTEL_EXPORTER_OTLP_COMPRESSION: [
    T({ OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' }, otlp('compression'), 'gzip'),
    T({ OTEL_EXPORTER_OTLP_COMPRESSION: 'GZIP' }, otlp('compression'), 'gzip'),
    T({ OTEL_EXPORTER_OTLP_COMPRESSION: 'zstd' }, otlp('compression'), 'none', /OTEL_EXPORTER_OTLP_COMPRESSION="zstd" is not one of gzip, none; using none/),
  ],
  OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: [
    T({ OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'none', OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' }, otlp('compression'), 'none'),
    T({ OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'br', OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' }, otlp('compression'), 'gzip', /using gzip/),
  ],
  OTEL_EXPORTER_JAEGER_ENDPOINT: [
    T({ OTEL_EXPORTER_JAEGER_ENDPOINT: 'http://jaeger:14268/api/traces' }, (c) => [c.jaeger.protocol, c.jaeger.endpoint], ['http/thrift.binary', 'http://jaeger:14268/api/traces']),
    T({ OTEL_EXPORTER_JAEGER_ENDPOINT: 'http://jaeger:14268' }, jaeger('endpoint'), 'http://jaeger:14268/api/traces'),
    T({ OTEL_EXPORTER_JAEGER_ENDPOINT: 'https://jaeger/custom/path' }, jaeger('endpoint'), 'https://jaeger/custom/path'),
    T({ OTEL_EXPORTER_JAEGER_ENDPOINT: '' }, jaeger('protocol'), 'udp/thrift.binary'),
    T({ OTEL_EXPORTER_JAEGER_ENDPOINT: 'jaeger:14268', OTEL_TRACES_EXPORTER: 'jaeger,otlp' }, offAndErrors, [['otlp'], ['OTEL_EXPORTER_JAEGER_ENDPOINT="jaeger:14268" is not an http(s) URL; the jaeger exporter is off']]),
  ],
  OTEL_EXPORTER_JAEGER_PROTOCOL: [
    T({ OTEL_EXPORTER_JAEGER_PROTOCOL: 'http/thrift.binary' }, (c) => [c.jaeger.protocol, c.jaeger.endpoint], ['http/thrift.binary', 'http://localhost:14268/api/traces']),
    T({ OTEL_EXPORTER_JAEGER_PROTOCOL: 'UDP/Thrift.Binary' }, jaeger('protocol'), 'udp/thrift.binary'),
    T({ OTEL_EXPORTER_JAEGER_PROTOCOL: 'udp/thrift.compact' }, jaeger('protocol'), 'udp/thrift.binary', /^OTEL_EXPORTER_JAEGER_PROTOCOL="udp\/thrift.compact" is not supported by tracing-agent; using udp\/thrift.binary$/),
    T({ OTEL_EXPORTER_JAEGER_PROTOCOL: 'grpc', OTEL_EXPORTER_JAEGER_ENDPOINT: 'http://j:14268' }, jaeger('protocol'), 'http/thrift.binary', /"grpc" is not supported by tracing-agent; using http\/thrift.binary/),
    T({ OTEL_EXPORTER_JAEGER_PROTOCOL: 'udp/thrift.binary', OTEL_EXPORTER_JAEGER_ENDPOINT: 'http://j:14268' }, jaeger('protocol'), 'udp/thrift.binary', /OTEL_EXPORTER_JAEGER_ENDPOINT is ignored with OTEL_EXPORTER_JAEGER_PROTOCOL=udp\/thrift.binary/),
  ],
  OTEL_EXPORTER_JAEGER_AGENT_HOST: [
    T({ OTEL_EXPORTER_JAEGER_AGENT_HOST: 'jaeger-agent' }, jaeger('agentHost'), 'jaeger-agent'),
    T({ OTEL_EXPORTER_JAEGER_AGENT_HOST: ' ' }, jaeger('agentHost'), 'localhost'),
  ],
  OTEL_EXPORTER_JAEGER_AGENT_PORT: [
    T({ OTEL_EXPORTER_JAEGER_AGENT_PORT: '6831' }, jaeger('agentPort'), 6831),
    T({ OTEL_EXPORTER_JAEGER_AGENT_PORT: '0' }, jaeger('agentPort'), 6832, /^OTEL_EXPORTER_JAEGER_AGENT_PORT="0" is out of range 1..65535; using 6832$/),
    T({ OTEL_EXPORTER_JAEGER_AGENT_PORT: '70000' }, jaeger('agentPort'), 6832, /out of range 1..65535/),
    T({ OTEL_EXPORTER_JAEGER_AGENT_PORT: 'udp' }, jaeger('agentPort'), 6832, /is not a whole number/),
  ],
  OTEL_EXPORTER_JAEGER_USER: [
    T({ OTEL_EXPORTER_JAEGER_USER: 'me' }, (c) => [c.jaeger.user, c.jaeger.password], ['me', undefined]),
    T({ OTEL_EXPORTER_JAEGER_USER: '' }, jaeger('user'), undefined),
  ],
  OTEL_EXPORTER_JAEGER_PASSWORD: [
    T({ OTEL_EXPORTER_JAEGER_USER: 'me', OTEL_EXPORTER_JAEGER_PASSWORD: ' p w ' }, jaeger('password'), 'p w'),
    T({ OTEL_EXPORTER_JAEGER_PASSWORD: 'pw' }, jaeger('password'), 'pw', /^OTEL_EXPORTER_JAEGER_PASSWORD is set without OTEL_EXPORTER_JAEGER_USER; no authentication is sent$/),
  ],
  OTEL_EXPORTER_JAEGER_TIMEOUT: [
    T({ OTEL_EXPORTER_JAEGER_TIMEOUT: '500' }, jaeger('timeoutMs'), 500),
    T({ OTEL_EXPORTER_JAEGER_TIMEOUT: '-5' }, jaeger('timeoutMs'), 10000, /OTEL_EXPORTER_JAEGER_TIMEOUT="-5" is below 1; using 10000/),
  ],
  OTEL_TRACES_SAMPLER: [
    ...['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'].map((name) =>
      T({ OTEL_TRACES_SAMPLER: name }, (c) => c.sampler.name, name),
    ),
    T({ OTEL_TRACES_SAMPLER: 'ALWAYS_OFF' }, (c) => c.sampler.name, 'always_off'),
    T({ OTEL_TRACES_SAMPLER: '' }, (c) => c.sampler.name, 'parentbased_always_on'),
    T({ OTEL_TRACES_SAMPLER: 'AlwaysOn' }, (c) => c.sampler.name, 'parentbased_always_on', /^OTEL_TRACES_SAMPLER="AlwaysOn" is not one of always_on, .*; using parentbased_always_on$/),
    T({ OTEL_TRACES_SAMPLER: 'jaeger_remote' }, (c) => c.sampler.name, 'parentbased_always_on', /OTEL_TRACES_SAMPLER="jaeger_remote" is not supported by tracing-agent; using parentbased_always_on/),
    T({ OTEL_TRACES_SAMPLER: 'xray' }, (c) => c.sampler.name, 'parentbased_always_on', /not supported/),
  ],
  OTEL_TRACES_SAMPLER_ARG: [
    T({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' }, sampler, ['traceidratio', 0.1]),
    T({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: ' .5 ' }, sampler, ['parentbased_traceidratio', 0.5]),
    T({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '5e-1' }, sampler, ['traceidratio', 0.5]),
    T({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' }, sampler, ['traceidratio', 0]),
    T({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1' }, sampler, ['traceidratio', 1]),
    T({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '' }, sampler, ['traceidratio', 1]),
    T({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1.5' }, sampler, ['traceidratio', 1], /^OTEL_TRACES_SAMPLER_ARG="1.5" is not a ratio between 0 and 1; using 1$/),
    T({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '-0.1' }, sampler, ['traceidratio', 1], /is not a ratio/),
    T({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '10%' }, sampler, ['traceidratio', 1], /is not a ratio/),
    T({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: 'NaN' }, sampler, ['traceidratio', 1], /is not a ratio/),
    T({ OTEL_TRACES_SAMPLER: 'always_on', OTEL_TRACES_SAMPLER_ARG: '0.1' }, sampler, ['always_on', 1]),
  ],
  OTEL_PROPAGATORS: [
    T({ OTEL_PROPAGATORS: 'b3' }, propagators, ['b3']),
    T({ OTEL_PROPAGATORS: 'B3, Jaeger ,b3multi' }, propagators, ['b3', 'jaeger', 'b3multi']),
    T({ OTEL_PROPAGATORS: 'tracecontext,baggage,b3,b3multi,jaeger' }, propagators, ['tracecontext', 'baggage', 'b3', 'b3multi', 'jaeger']),
    T({ OTEL_PROPAGATORS: 'none' }, propagators, []),
    T({ OTEL_PROPAGATORS: '' }, propagators, ['tracecontext', 'baggage']),
    T({ OTEL_PROPAGATORS: 'tracecontext,w3c' }, propagators, ['tracecontext'], /^OTEL_PROPAGATORS: unknown name "w3c" ignored \(known: tracecontext, baggage, b3, b3multi, jaeger\)$/),
    T({ OTEL_PROPAGATORS: 'xray' }, propagators, ['tracecontext', 'baggage'], /OTEL_PROPAGATORS: xray is not supported by tracing-agent; ignored/),
  ],
  OTEL_BSP_SCHEDULE_DELAY: [
    T({ OTEL_BSP_SCHEDULE_DELAY: '100' }, batch('scheduleDelayMs'), 100),
    T({ OTEL_BSP_SCHEDULE_DELAY: '0' }, batch('scheduleDelayMs'), 0),
    T({ OTEL_BSP_SCHEDULE_DELAY: '-1' }, batch('scheduleDelayMs'), 5000, /OTEL_BSP_SCHEDULE_DELAY="-1" is below 0; using 5000/),
  ],
  OTEL_BSP_MAX_QUEUE_SIZE: [
    T({ OTEL_BSP_MAX_QUEUE_SIZE: '4096' }, batch('maxQueueSize'), 4096),
    T({ OTEL_BSP_MAX_QUEUE_SIZE: '0' }, batch('maxQueueSize'), 2048, /is below 1; using 2048/),
  ],
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: [
    T({ OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '100' }, batch('maxExportBatchSize'), 100),
    T({ OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '5000' }, batch('maxExportBatchSize'), 2048, /^OTEL_BSP_MAX_EXPORT_BATCH_SIZE \(5000\) exceeds OTEL_BSP_MAX_QUEUE_SIZE \(2048\); using 2048$/),
    T({ OTEL_BSP_MAX_EXPORT_BATCH_SIZE: 'lots' }, batch('maxExportBatchSize'), 512, /is not a whole number; using 512/),
  ],
  OTEL_BSP_EXPORT_TIMEOUT: [
    T({ OTEL_BSP_EXPORT_TIMEOUT: '1000' }, batch('exportTimeoutMs'), 1000),
    T({ OTEL_BSP_EXPORT_TIMEOUT: '30s' }, batch('exportTimeoutMs'), 30000, /using 30000/),
  ],
  OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: [
    T({}, limit('attributeValueLengthLimit'), Infinity),
    T({ OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '10' }, limit('attributeValueLengthLimit'), 10),
    T({ OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '0' }, limit('attributeValueLengthLimit'), 0),
    T({ OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: 'unlimited' }, limit('attributeValueLengthLimit'), Infinity, /^OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT="unlimited" is not a whole number; using no limit$/),
    T({ OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '-1' }, limit('attributeValueLengthLimit'), Infinity, /is below 0; using no limit/),
  ],
  OTEL_ATTRIBUTE_COUNT_LIMIT: [
    T({ OTEL_ATTRIBUTE_COUNT_LIMIT: '5' }, (c) => [c.spanLimits.attributeCountLimit, c.spanLimits.attributePerEventCountLimit, c.spanLimits.attributePerLinkCountLimit], [5, 5, 5]),
    T({ OTEL_ATTRIBUTE_COUNT_LIMIT: '-3' }, limit('attributeCountLimit'), 128, /is below 0; using 128/),
  ],
  OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: [
    T({ OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '4', OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '10' }, limit('attributeValueLengthLimit'), 4),
    T({ OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: 'x', OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '10' }, limit('attributeValueLengthLimit'), 10, /using 10$/),
  ],
  OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: [
    T({ OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '3', OTEL_ATTRIBUTE_COUNT_LIMIT: '5' }, (c) => [c.spanLimits.attributeCountLimit, c.spanLimits.attributePerEventCountLimit], [3, 5]),
    T({ OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '1.0' }, limit('attributeCountLimit'), 128, /is not a whole number; using 128/),
  ],
  OTEL_SPAN_EVENT_COUNT_LIMIT: [
    T({ OTEL_SPAN_EVENT_COUNT_LIMIT: '2' }, limit('eventCountLimit'), 2),
    T({ OTEL_SPAN_EVENT_COUNT_LIMIT: '0' }, limit('eventCountLimit'), 0),
    T({ OTEL_SPAN_EVENT_COUNT_LIMIT: 'many' }, limit('eventCountLimit'), 128, /OTEL_SPAN_EVENT_COUNT_LIMIT="many"/),
  ],
  OTEL_SPAN_LINK_COUNT_LIMIT: [
    T({ OTEL_SPAN_LINK_COUNT_LIMIT: '2' }, limit('linkCountLimit'), 2),
    T({ OTEL_SPAN_LINK_COUNT_LIMIT: '-2' }, limit('linkCountLimit'), 128, /OTEL_SPAN_LINK_COUNT_LIMIT="-2" is below 0/),
  ],
  OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT: [
    T({ OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT: '1' }, limit('attributePerEventCountLimit'), 1),
    T({ OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT: 'x', OTEL_ATTRIBUTE_COUNT_LIMIT: '7' }, limit('attributePerEventCountLimit'), 7, /using 7$/),
  ],
  OTEL_LINK_ATTRIBUTE_COUNT_LIMIT: [
    T({ OTEL_LINK_ATTRIBUTE_COUNT_LIMIT: '1' }, limit('attributePerLinkCountLimit'), 1),
    T({ OTEL_LINK_ATTRIBUTE_COUNT_LIMIT: '' }, limit('attributePerLinkCountLimit'), 128),
  ],
  OTEL_NODE_ENABLED_INSTRUMENTATIONS: [
    T({}, hooks, ALL_HOOKS),
    T({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http' }, hooks, ['http']),
    T({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: ' HTTP , undici,pg' }, hooks, ['http', 'fetch', 'pg']),
    T({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,mongodb' }, hooks, ['http'], /^OTEL_NODE_ENABLED_INSTRUMENTATIONS: unknown name "mongodb" ignored \(known: http, fetch, /),
    T({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'mongodb' }, hooks, ALL_HOOKS, /OTEL_NODE_ENABLED_INSTRUMENTATIONS="mongodb" names nothing known; using http,fetch/),
    T({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'None' }, hooks, []),
  ],
  OTEL_NODE_DISABLED_INSTRUMENTATIONS: [
    T({ OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pg,redis' }, hooks, WITHOUT('pg', 'redis')),
    T({ OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'undici' }, hooks, WITHOUT('fetch')),
    T({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,fetch', OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'fetch' }, hooks, ['http']),
    T({ OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'restify' }, hooks, ALL_HOOKS, /OTEL_NODE_DISABLED_INSTRUMENTATIONS: unknown name "restify" ignored/),
    T({ OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'none' }, hooks, ALL_HOOKS),
  ],
  TRACING_AGENT_EXIT_TIMEOUT: [
    T({ TRACING_AGENT_EXIT_TIMEOUT: '500' }, (c) => c.exitTimeoutMs, 500),
    T({ TRACING_AGENT_EXIT_TIMEOUT: '0' }, (c) => c.exitTimeoutMs, 0),
    T({ TRACING_AGENT_EXIT_TIMEOUT: '60001' }, (c) => c.exitTimeoutMs, 2000, /^TRACING_AGENT_EXIT_TIMEOUT="60001" is out of range 0..60000; using 2000$/),
    T({ TRACING_AGENT_EXIT_TIMEOUT: '2s' }, (c) => c.exitTimeoutMs, 2000, /is not a whole number/),
  ],
  TRACING_AGENT_DB_QUERY_TEXT: [
    T({ TRACING_AGENT_DB_QUERY_TEXT: 'raw' }, (c) => c.dbQueryText, 'raw'),
    T({ TRACING_AGENT_DB_QUERY_TEXT: 'OFF' }, (c) => c.dbQueryText, 'off'),
    T({ TRACING_AGENT_DB_QUERY_TEXT: 'verbatim' }, (c) => c.dbQueryText, 'sanitized', /TRACING_AGENT_DB_QUERY_TEXT="verbatim" is not one of sanitized, raw, off; using sanitized/),
  ],
  TRACING_AGENT_LOG_CORRELATION: [
    T({}, (c) => c.logCorrelation, true),
    T({ TRACING_AGENT_LOG_CORRELATION: 'FALSE' }, (c) => c.logCorrelation, false),
    T({ TRACING_AGENT_LOG_CORRELATION: 'off' }, (c) => c.logCorrelation, true, /TRACING_AGENT_LOG_CORRELATION="off" is not true or false; using true/),
  ],
  TRACING_AGENT_MIDDLEWARE_SPANS: [
    T({}, (c) => c.middlewareSpans, false),
    T({ TRACING_AGENT_MIDDLEWARE_SPANS: 'true' }, (c) => c.middlewareSpans, true),
    T({ TRACING_AGENT_MIDDLEWARE_SPANS: 'yes' }, (c) => c.middlewareSpans, false, /TRACING_AGENT_MIDDLEWARE_SPANS="yes" is not true or false; using false/),
  ],
  TRACING_AGENT_GRAPHQL_SPANS: [
    T({}, (c) => c.graphqlSpans, 'execute'),
    T({ TRACING_AGENT_GRAPHQL_SPANS: 'phases' }, (c) => c.graphqlSpans, 'phases'),
    T({ TRACING_AGENT_GRAPHQL_SPANS: ' ALL ' }, (c) => c.graphqlSpans, 'all'),
    T({ TRACING_AGENT_GRAPHQL_SPANS: 'resolvers' }, (c) => c.graphqlSpans, 'execute', /TRACING_AGENT_GRAPHQL_SPANS="resolvers" is not one of execute, phases, all; using execute/),
  ],
  TRACING_AGENT_REDACT_QUERY_KEYS: [
    T({}, (c) => c.redactQueryKeys, []),
    T({ TRACING_AGENT_REDACT_QUERY_KEYS: ' ssn, *account* ,' }, (c) => c.redactQueryKeys, ['ssn', '*account*']),
  ],
};

describe('config: every variable, good, bad and edge values', () => {
  it('the table covers every variable the agent reads, and only those', () => {
    const read = readConfig({}).entries.map((e) => e.name);
    assert.deepEqual(Object.keys(TABLE).sort(), [...read].sort());
  });

  for (const [name, rows] of Object.entries(TABLE)) {
    describe(name, () => {
      for (const row of rows) {
        const label = Object.entries(row.env)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(' ');
        it(`${label || '(unset)'} → ${JSON.stringify(row.expected === Infinity ? 'no limit' : row.expected)}${row.warning ? ', one warning' : ''}`, () => {
          const config = readConfig(row.env);
          assert.deepEqual(row.read(config), row.expected);
          if (row.warning === null) assert.deepEqual(config.warnings, []);
          else {
            assert.equal(config.warnings.filter((w) => row.warning.test(w)).length, 1, `warnings: ${JSON.stringify(config.warnings)}`);
          }
          for (const w of config.warnings) assert.ok(!w.includes('\n'), 'one line');
        });
      }
    });
  }

  // Nonsense of every kind in every variable: never a throw, warnings are one line naming the variable.
  const NONSENSE = [
    '',
    '   ',
    '\t',
    'garbage value',
    'NONE',
    '-1',
    '1e309',
    '99999999999999999999999',
    '%',
    '%zz',
    ',,,',
    '=',
    '==',
    'a=b=c',
    'é🚀',
    '\u0000',
    'x'.repeat(10000),
  ];
  it(`no value of any variable throws (${NONSENSE.length} kinds of nonsense × ${Object.keys(TABLE).length} variables)`, () => {
    for (const name of Object.keys(TABLE)) {
      for (const value of NONSENSE) {
        /** @type {import('../dist/config').Config} */
        let config;
        assert.doesNotThrow(() => (config = readConfig({ [name]: value })), `${name}=${JSON.stringify(value)}`);
        for (const w of config.warnings) {
          assert.ok(!w.includes('\n'), `${name}: one line: ${w}`);
          assert.ok(w.startsWith(name), `${name}=${JSON.stringify(value).slice(0, 40)}: the warning names the variable: ${w.slice(0, 200)}`);
        }
        // A rejected value ("NAME=… is not …; using X") leaves the default in effect.
        const entry = config.entries.find((e) => e.name === name);
        if (config.warnings.some((w) => w.startsWith(`${name}=`) || w.endsWith('the whole value is ignored')))
          assert.ok(entry.isDefault, `${name}=${JSON.stringify(value).slice(0, 40)} was rejected, so the default is in effect (${entry.effective})`);
      }
    }
  });

  it('secrets are masked in what the configuration reports', () => {
    const config = readConfig({
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20s3cret,broken-s3cret',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-api-key=s3cret',
      OTEL_EXPORTER_JAEGER_USER: 'me',
      OTEL_EXPORTER_JAEGER_PASSWORD: 's3cret',
      OTEL_EXPORTER_JAEGER_ENDPOINT: 'http://me:s3cret@jaeger:14268/api/traces',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://s3cret@collector',
    });
    const text = JSON.stringify({ entries: config.entries, warnings: config.warnings });
    assert.ok(!text.includes('s3cret'), text);
    assert.ok(text.includes('authorization=***'));
    assert.equal(config.otlp.headers.authorization, 'Bearer s3cret', 'the value itself is kept for use');
  });
});

// ---- end to end ----

function configCommand(args, env) {
  return runNode([path.join(ROOT, 'bin', 'tracing-agent.js'), 'config', ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } });
}

describe('config: `tracing-agent config` and the README table', function () {
  this.timeout(20000);

  it('prints every variable with its value or default, each warning, secrets masked', async () => {
    const result = await configCommand([], {
      OTEL_SERVICE_NAME: 'shop',
      OTEL_TRACES_EXPORTER: 'otlp,jaeger',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20s3cret',
      OTEL_EXPORTER_JAEGER_ENDPOINT: 'http://jaeger:14268',
      OTEL_EXPORTER_JAEGER_USER: 'me',
      OTEL_EXPORTER_JAEGER_PASSWORD: 's3cret',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '2',
      OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pg,mongodb',
    });
    assert.equal(result.code, 0, result.stderr);
    const out = result.stdout;
    assert.ok(!out.includes('s3cret'), out);
    for (const { name } of VARIABLES) assert.match(out, new RegExp(`^[ *] ${name} `, 'm'), `${name} listed`);
    assert.match(out, /^\s+service\s+shop$/m);
    assert.match(
      out,
      /^\s+export\s+otlp http\/protobuf http:\/\/localhost:4318\/v1\/traces \+ jaeger http\/thrift.binary http:\/\/jaeger:14268\/api\/traces$/m,
    );
    assert.match(out, /^\s+sampler\s+parentbased_traceidratio\(1\)$/m);
    assert.match(out, /^\s+hooks\s+http,fetch,express,fastify,koa,hapi,nestjs,mysql2/m);
    assert.match(out, /^\* OTEL_EXPORTER_OTLP_HEADERS\s+authorization=\*\*\*$/m);
    assert.match(out, /^\* OTEL_EXPORTER_JAEGER_PASSWORD\s+\*\*\*$/m);
    assert.match(out, /^  OTEL_BSP_SCHEDULE_DELAY\s+5000  \(default\)$/m);
    assert.match(out, /^\* OTEL_TRACES_SAMPLER_ARG\s+1  \(default; set to "2"\)$/m);
    assert.match(
      out,
      /Warnings \(2\):\n  - OTEL_TRACES_SAMPLER_ARG="2" is not a ratio between 0 and 1; using 1\n  - OTEL_NODE_DISABLED_INSTRUMENTATIONS: unknown name "mongodb" ignored/,
    );

    const strict = await configCommand(['--strict', '--json'], { OTEL_TRACES_SAMPLER: 'sometimes', OTEL_EXPORTER_JAEGER_PASSWORD: 's3cret' });
    assert.equal(strict.code, 1, 'warnings fail --strict');
    const json = JSON.parse(strict.stdout);
    assert.ok(!strict.stdout.includes('s3cret'));
    assert.equal(json.variables.find((v) => v.name === 'OTEL_TRACES_SAMPLER').value, 'parentbased_always_on');
    assert.equal(json.warnings.length, 2);
    const clean = await configCommand(['--strict'], {});
    assert.equal(clean.code, 0);
    assert.match(clean.stdout, /No warnings\./);
    assert.equal((await configCommand(['--bogus'], {})).code, 2);
  });

  it('docs/CONFIGURATION.md holds the table `tracing-agent config --markdown` prints, one row per variable read', async () => {
    const result = await configCommand(['--markdown'], {});
    assert.equal(result.stdout, markdownTable());
    const doc = fs.readFileSync(path.join(ROOT, 'docs', 'CONFIGURATION.md'), 'utf8');
    assert.ok(doc.includes(result.stdout), 'docs/CONFIGURATION.md is out of date: regenerate its table with `npm run docs`');
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    assert.ok(readme.includes(result.stdout), "README.md's configuration table is out of date: regenerate it with `npm run docs`");
    assert.deepEqual(
      VARIABLES.map((v) => v.name),
      readConfig({}).entries.map((e) => e.name),
      'every variable read is documented, in the order it is read',
    );
    // The documented plain defaults are the ones in effect.
    for (const entry of readConfig({}).entries) {
      const doc = VARIABLES.find((v) => v.name === entry.name).default;
      if (/^[\w./:,-]+$/.test(doc) && !doc.startsWith('OTEL_') && !entry.effective.startsWith('(not used')) assert.equal(entry.effective, doc, entry.name);
    }
  });

  it('README.md and docs/CONFIGURATION.md hold exactly the generated table between their markers (`npm run docs` writes it)', () => {
    const table = markdownTable();
    for (const file of DOCS.FILES) {
      const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
      assert.equal(text.split(DOCS.BEGIN).length, 2, `${file}: one start marker`);
      assert.equal(text.split(DOCS.END).length, 2, `${file}: one end marker`);
      assert.equal(DOCS.withTable(text, table), text, `${file}: the configuration table is out of date: run \`npm run docs\``);
    }
  });

  it('one table drives reading and docs: names once each, secrets as marked, every plain default as the docs state it, every value under its name', () => {
    const rows = VARIABLE_TABLE.rows;
    const names = rows.map((row) => row.name);
    assert.deepEqual([...new Set(names)], names, 'each variable once');
    const config = readConfig({});
    assert.deepEqual(
      config.entries.filter((e) => e.secret).map((e) => e.name),
      rows.filter((row) => row.secret).map((row) => row.name),
      'the entries marked secret are the rows marked secret',
    );
    for (const row of rows) {
      const entry = config.entries.find((e) => e.name === row.name);
      const documented = VARIABLES.find((v) => v.name === row.name).default;
      // A default stated as a value (not another variable's, not computed) is shown exactly as documented.
      const unused = row.usedIf !== undefined && entry.effective === row.usedIf.unused;
      if (row.sameAs === undefined && row.defaultDoc === undefined && !unused) assert.equal(entry.effective, documented, row.name);
      if (row.sameAs !== undefined) assert.equal(documented, row.sameAs, `${row.name}: documented as ${row.sameAs}'s value`);
      assert.ok(Object.hasOwn(config.values, row.name), `config.values.${row.name}`);
    }
    assert.equal(config.values.OTEL_BSP_SCHEDULE_DELAY, config.batch.scheduleDelayMs);
    assert.equal(readConfig({ TRACING_AGENT_DB_QUERY_TEXT: 'raw' }).values.TRACING_AGENT_DB_QUERY_TEXT, 'raw');
  });

  it('a default taken from another variable follows that variable, also when the value set is rejected', () => {
    for (const row of VARIABLE_TABLE.rows.filter((r) => r.sameAs !== undefined)) {
      const source = readConfig({}).entries.find((e) => e.name === row.sameAs);
      // A valid value for the source that differs from its default: one the TABLE above uses.
      const example = TABLE[row.sameAs]
        .map((t) => t.env)
        .find(
          (env) =>
            Object.keys(env).length === 1 &&
            readConfig(env).warnings.length === 0 &&
            readConfig(env).entries.find((e) => e.name === row.sameAs).effective !== source.effective,
        );
      assert.ok(example, `${row.sameAs}: an example value in the table above`);
      const expected = readConfig(example).entries.find((e) => e.name === row.sameAs).effective;
      assert.equal(readConfig(example).entries.find((e) => e.name === row.name).effective, expected, `${row.name} unset follows ${row.sameAs}`);
      const rejected = readConfig({ ...example, [row.name]: 'not-a-valid-value' });
      assert.equal(rejected.entries.find((e) => e.name === row.name).effective, expected, `${row.name} rejected falls back to ${row.sameAs}`);
      assert.ok(
        rejected.warnings.some((w) => w.startsWith(`${row.name}=`) && w.endsWith(`using ${expected}`)),
        rejected.warnings.join('\n'),
      );
    }
  });

  it('the agent warns in one line per problem, logs its startup line at info, and the app runs as usual', async () => {
    const receiver = await startReceiver();
    try {
      const result = await runNode([fixture('jaeger-features.cjs')], {
        flag: 'import',
        env: agentEnv(receiver, {
          OTEL_LOG_LEVEL: 'info',
          OTEL_SERVICE_NAME: 'configured',
          OTEL_TRACES_SAMPLER: 'sometimes',
          OTEL_BSP_MAX_QUEUE_SIZE: 'big',
          OTEL_PROPAGATORS: 'b3,xray',
          OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20s3cret',
          OTEL_EXPORTER_JAEGER_PASSWORD: 's3cret',
          OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pg',
        }),
      });
      assert.equal(result.code, 0);
      assert.equal(result.stdout, 'done\n');
      const lines = result.stderr.trim().split('\n');
      const warned = lines.filter((l) => l.startsWith('tracing-agent warning: ')).map((l) => l.slice('tracing-agent warning: '.length).split(/[=: ]/)[0]);
      assert.deepEqual(warned.sort(), ['OTEL_BSP_MAX_QUEUE_SIZE', 'OTEL_EXPORTER_JAEGER_PASSWORD', 'OTEL_PROPAGATORS', 'OTEL_TRACES_SAMPLER'], result.stderr);
      const info = lines.filter((l) => l.startsWith('tracing-agent info: tracing '));
      assert.equal(info.length, 1, result.stderr);
      assert.equal(
        info[0],
        `tracing-agent info: tracing configured: export otlp http/protobuf ${receiver.endpoint}, sampler parentbased_always_on, propagators b3, hooks ${WITHOUT('pg').join(',')}`,
      );
      assert.ok(!result.stderr.includes('s3cret'));
      await receiver.waitForSpans(4);
    } finally {
      await receiver.close();
    }
  });
});

describe('config: span limits and hook selection, end to end', function () {
  this.timeout(20000);
  let receiver;
  useReceiver((r) => (receiver = r));

  it('span limits apply to manual and hook spans alike', async () => {
    const result = await runNode([fixture('limits.cjs')], {
      flag: 'require',
      env: agentEnv(receiver, {
        OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '8',
        OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '4',
        OTEL_SPAN_EVENT_COUNT_LIMIT: '3',
        OTEL_SPAN_LINK_COUNT_LIMIT: '2',
        OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT: '2',
        OTEL_LINK_ATTRIBUTE_COUNT_LIMIT: '1',
      }),
    });
    assert.equal(result.code, 0, result.stderr);
    const spans = await receiver.waitForSpans(8);
    const limited = spans.find((s) => s.name === 'limited');
    assert.equal(Object.keys(limited.attributes).length, 4);
    assert.equal(limited.droppedAttributesCount, 7);
    for (const v of Object.values(limited.attributes)) assert.equal(v, 'abcdefgh');
    assert.equal(limited.events.length, 3);
    assert.equal(limited.droppedEventsCount, 7);
    for (const e of limited.events) {
      assert.deepEqual(e.attributes, { 'event.0': 'abcdefgh', 'event.1': 'abcdefgh' });
      assert.equal(e.droppedAttributesCount, 3);
    }
    assert.equal(limited.links.length, 2);
    assert.equal(limited.droppedLinksCount, 3);
    for (const l of limited.links) assert.deepEqual(l.attributes, { 'link.0': 1 });

    // The agent's own hook spans honour the same limits.
    const server = spans.find((s) => s.kind === 2);
    assert.equal(Object.keys(server.attributes).length, 4);
    assert.ok(server.droppedAttributesCount > 0);
    for (const v of Object.values(server.attributes)) if (typeof v === 'string') assert.ok(v.length <= 8, `${v} cut to 8`);
    const client = spans.find((s) => s.kind === 3);
    assert.equal(Object.keys(client.attributes).length, 4);
    for (const v of Object.values(client.attributes)) if (typeof v === 'string') assert.ok(v.length <= 8, `${v} cut to 8`);
  });

  for (const c of [
    { env: { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'fetch' }, scopes: ['tracing-agent/http'], fetchPropagates: false, httpPropagates: true },
    { env: { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'undici' }, scopes: ['tracing-agent/fetch'], fetchPropagates: true, httpPropagates: false },
    {
      env: { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,mongodb' },
      scopes: ['tracing-agent/http'],
      fetchPropagates: false,
      httpPropagates: true,
      warning: /unknown name "mongodb" ignored/,
    },
    { env: { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'http,fetch' }, scopes: [], fetchPropagates: false, httpPropagates: false },
  ]) {
    it(`${Object.entries(c.env).map(([k, v]) => `${k}=${v}`)}: spans from ${c.scopes.join(' and ') || 'no hook'} only`, async () => {
      const backend = await startService(fixture('propagation.cjs'), { flag: 'none', env: agentEnv(null) });
      const front = await startService(fixture('propagation.cjs'), { env: agentEnv(receiver, { ...c.env, DOWNSTREAM_URL: backend.url }) });
      try {
        const seen = JSON.parse((await get(`${front.url}/call`)).body);
        assert.equal(seen.fetch.traceparent !== undefined, c.fetchPropagates, 'fetch propagates');
        assert.equal(seen.http.traceparent !== undefined, c.httpPropagates, 'http propagates');
        await new Promise((r) => setTimeout(r, 300));
        assert.deepEqual([...new Set(receiver.spans.map((s) => s.scope.name))].sort(), c.scopes);
        if (c.warning) assert.match(front.output().stderr, c.warning);
        else assert.equal(front.output().stderr, '');
      } finally {
        await Promise.all([front.stop(), backend.stop()]);
      }
    });
  }
});
