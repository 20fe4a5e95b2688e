#!/usr/bin/env node
'use strict';
// The `tracing-agent` command; the code is compiled TypeScript in dist/.
require('../dist/cli.js')
  .run(process.argv.slice(2))
  .then(
    (status) => {
      process.exitCode = status;
    },
    (err) => {
      process.stderr.write(`tracing-agent: ${(err && err.stack) || err}\n`);
      process.exitCode = 1;
    },
  );
