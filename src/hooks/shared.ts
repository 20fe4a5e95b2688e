// (Moved to src/loader/trace-call.ts; kept while the hooks move over.)
export { HookGuard, recordError, SPAN_KIND_CLIENT, SPAN_KIND_SERVER, STATUS_ERROR } from '../loader/trace-call';
