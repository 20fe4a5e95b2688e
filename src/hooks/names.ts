// Short names of every hook, as used by OTEL_NODE_ENABLED_INSTRUMENTATIONS and
// OTEL_NODE_DISABLED_INSTRUMENTATIONS. Kept apart from the hook table so that
// reading the configuration loads no hook code.
export const HOOK_NAMES: readonly string[] = ['http', 'fetch', 'pg', 'mysql2', 'mysql', 'redis', 'ioredis', 'better-sqlite3'];
