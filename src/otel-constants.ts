// The OpenTelemetry API's numbered names, defined once: span kinds, status
// codes, sampling decisions, the sampled trace flag and the invalid ids. The
// API package has the same enums, but the agent does not load it (nor the SDK)
// before the app's own first span. Plain constants rather than `const enum`s:
// each has its number as its type, which TypeScript accepts where the API's
// enum is expected (a const enum member of our own it would not).

/** The API's SpanKind. On the OTLP wire each is one higher (OTLP keeps 0 for "unspecified"). */
export const SPAN_KIND_INTERNAL = 0;
export const SPAN_KIND_SERVER = 1;
export const SPAN_KIND_CLIENT = 2;
export const SPAN_KIND_PRODUCER = 3;
export const SPAN_KIND_CONSUMER = 4;

/** The API's SpanStatusCode: OK is final, UNSET never overrides. */
export const STATUS_UNSET = 0;
export const STATUS_OK = 1;
export const STATUS_ERROR = 2;

/** The SDK's SamplingDecision, as a sampler returns it. */
export const SAMPLING_NOT_RECORD = 0;
export const SAMPLING_RECORD = 1;
export const SAMPLING_RECORD_AND_SAMPLED = 2;

/** The API's TraceFlags: W3C trace context defines one flag, sampled. */
export const TRACE_FLAGS_NONE = 0;
export const TRACE_FLAG_SAMPLED = 1;

/** All zeros: the ids W3C trace context declares invalid. */
export const INVALID_TRACE_ID = '00000000000000000000000000000000';
export const INVALID_SPAN_ID = '0000000000000000';
