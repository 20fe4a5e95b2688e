// `node -r tracing-agent/register app.js`: starts the agent before the app.
require('./load.cjs').startFromPreload();
