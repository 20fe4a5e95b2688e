'use strict';
// Older majors of the hooked libraries, for testing "the latest major and the
// one before". Installed once with npm into a cache outside the repository and
// loaded by path (an npm alias would change the package's name, which is what
// the agent recognises it by).
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const CACHE = process.env.TRACING_AGENT_DEPS_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'tracing-agent', 'deps');

/** Directory of `name` at `version` (a major or an exact version), e.g. packageAt('pg', '8.0.3'). */
function packageAt(name, version) {
  const prefix = path.join(CACHE, `${name.replace('/', '+')}-${version}`);
  const dir = path.join(prefix, 'node_modules', name);
  if (!fs.existsSync(path.join(dir, 'package.json'))) {
    fs.mkdirSync(prefix, { recursive: true });
    execFileSync('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefix', prefix, `${name}@${version}`], { stdio: 'ignore' });
  }
  return dir;
}

module.exports = { packageAt };
