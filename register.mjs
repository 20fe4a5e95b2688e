// `node --import tracing-agent/register app.js`: starts the agent before the app.
// CommonJS and ESM apps alike are traced from here; no loader thread is started.
import { createRequire } from 'node:module';

createRequire(import.meta.url)('./load.cjs').startFromPreload();
