'use strict';
// Other versions of the hooked libraries than the project's own copy: the
// oldest of each declared range and the registry's newest, so a new release
// shows up as a failing test. Installed once with npm into a cache outside the
// repository and loaded by path (an npm alias would change the package's name,
// which is what the agent recognises it by).
//
//   packageAt('pg', '8.0.3')     an exact version (or a major: its newest when first installed)
//   packageAt('pg', 'latest')    the registry's newest, asked once a day
//   oldestAndNewest('pg')        both, with labels and skip reasons for test titles
//
// Every version a test uses is recorded in TEST_VERSIONS_FILE (set by
// test/run.js), which prints them after each Node version's run.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const CACHE = process.env.TRACING_AGENT_DEPS_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'tracing-agent', 'deps');
const ROOT = path.resolve(__dirname, '..', '..');
const NEWEST_FILE = path.join(CACHE, 'newest.json');
const VIEW_TIMEOUT_MS = 30000;

// The oldest version of each integration's declared range (README, "What is traced").
const OLDEST = {
  // pg 7 cannot run on Node >= 14 (its connect never completes, agent or not).
  pg: '8.0.3',
  'better-sqlite3': '11.0.0',
  // mysql has no major before 2; 2.17 is where the declared range starts.
  mysql: '2.17.1',
  mysql2: '2.0.0',
  // The app's own API copy: 1.3 is the oldest the agent's globals serve.
  '@opentelemetry/api': '1.3.0',
  // Layer#handle_request, which the express hook wraps, came with 4.9.
  express: '4.9.0',
  fastify: '4.0.0',
  pino: '8.0.0',
  winston: '3.0.0',
  bunyan: '1.0.0',
  koa: '2.0.0',
  // The router koa's oldest is tested with (route names come from whichever router sets ctx._matchedRoute).
  '@koa/router': '12.0.0',
  '@hapi/hapi': '21.0.0',
  // The oldest amqplib whose publish, consume and settle methods are those patched (lib/channel*.js).
  amqplib: '0.5.5',
  '@grpc/grpc-js': '1.0.0',
  // nats before 2.7 cannot read from its socket on Node 20 and later (a Buffer.slice recursion), agent or not.
  nats: '2.7.0',
  // Its core (@nats-io/nats-core) and @nats-io/jetstream are released with it, version for version.
  '@nats-io/transport-node': '3.0.0',
  mqtt: '5.0.0',
  graphql: '16.0.0',
};

const dirName = (name, version) => path.join(CACHE, `${name.replace('/', '+')}-${version}`);
const today = () => new Date().toISOString().slice(0, 10);

/** Appends name@version to TEST_VERSIONS_FILE (one line each; appends of a line do not interleave). */
function recordVersion(name, version) {
  const file = process.env.TEST_VERSIONS_FILE;
  if (file) fs.appendFileSync(file, `${name}@${version}\n`);
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

// Written to a new file renamed into place: another test run on this machine
// may read it at the same moment. Two runs writing at once lose one entry,
// which only costs one more `npm view`.
function writeJsonAtomic(file, value) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(value, null, 2));
  fs.renameSync(tmp, file);
}

function compareVersions(a, b) {
  const pa = a.split(/[.+-]/).map(Number);
  const pb = b.split(/[.+-]/).map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] || 0) !== (pb[i] || 0)) return (pa[i] || 0) - (pb[i] || 0);
  return 0;
}

/** Exact versions of `name` already installed in the cache, oldest first. */
function cachedVersions(name) {
  const prefix = `${name.replace('/', '+')}-`;
  let entries;
  try {
    entries = fs.readdirSync(CACHE);
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.startsWith(prefix) && /^\d+\.\d+\.\d+$/.test(e.slice(prefix.length)))
    .map((e) => e.slice(prefix.length))
    .filter((v) => fs.existsSync(path.join(dirName(name, v), 'node_modules', name, 'package.json')))
    .sort(compareVersions);
}

const newestMemo = new Map();

/**
 * The registry's newest version of `name` and its `engines`, as {version, engines}.
 * Asked with `npm view` once a day (kept in CACHE/newest.json under the date); without
 * the registry, the newest version already in the cache, with one line saying so.
 */
function newestInfo(name) {
  if (newestMemo.has(name)) return newestMemo.get(name);
  const day = today();
  const saved = readJson(NEWEST_FILE);
  let info = saved && saved.date === day && saved.packages && saved.packages[name];
  if (!info) {
    try {
      const out = execFileSync('npm', ['view', name, 'version', 'engines', '--json'], {
        encoding: 'utf8',
        timeout: VIEW_TIMEOUT_MS,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const parsed = JSON.parse(out);
      // With no `engines` published, npm prints the version alone.
      info = typeof parsed === 'string' ? { version: parsed, engines: {} } : { version: parsed.version, engines: parsed.engines || {} };
      const now = readJson(NEWEST_FILE);
      const packages = now && now.date === day && now.packages ? now.packages : {};
      writeJsonAtomic(NEWEST_FILE, { date: day, packages: { ...packages, [name]: info } });
    } catch (err) {
      const cached = cachedVersions(name);
      const why = String((err.stderr && err.stderr.split('\n').find((l) => /error/i.test(l))) || err.message).trim();
      if (!cached.length) throw new Error(`cannot find the newest ${name}: the npm registry did not answer (${why}) and ${CACHE} has no copy`, { cause: err });
      const version = cached[cached.length - 1];
      const pkg = readJson(path.join(dirName(name, version), 'node_modules', name, 'package.json')) || {};
      info = { version, engines: pkg.engines || {} };
      process.stderr.write(`npm registry unreachable for ${name} (${why}); testing ${name} ${version} as the newest, the newest in ${CACHE}\n`);
    }
  }
  newestMemo.set(name, info);
  return info;
}

/** The registry's newest version of `name` (see newestInfo). */
function newest(name) {
  return newestInfo(name).version;
}

/**
 * Directory of `name` at `version`: exact ('8.0.3'), a major ('4': its newest when first
 * installed), or 'latest' (the registry's newest today), e.g. packageAt('pg', '8.0.3').
 * Records the version as tested: call it where a test uses the copy.
 */
function packageAt(name, version) {
  const dir = ensurePackage(name, version);
  recordVersion(name, readJson(path.join(dir, 'package.json')).version);
  return dir;
}

/** The same as packageAt without recording it: for installing or building ahead of the tests. */
function ensurePackage(name, version) {
  if (version === 'latest' || version === 'newest') version = newest(name);
  const prefix = dirName(name, version);
  const dir = path.join(prefix, 'node_modules', name);
  if (!fs.existsSync(path.join(dir, 'package.json'))) install(name, version, prefix);
  return dir;
}

// Installed into a folder of its own, then renamed into place, so a test run
// elsewhere on this machine never sees half a package. Install scripts are
// skipped: the only one the tests need is a native build, and that is made per
// Node major by test/support/prepare-native.js (npm runs on this machine's Node,
// which is not necessarily the one under test).
function install(name, version, prefix) {
  const tmp = `${prefix}.${process.pid}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  try {
    execFileSync('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--ignore-scripts', '--prefix', tmp, `${name}@${version}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new Error(
      `npm could not install ${name}@${version}: ${String(err.stderr || err.message)
        .trim()
        .split('\n')
        .slice(-3)
        .join(' ')}`,
      { cause: err },
    );
  }
  // A leftover folder without the package (an install that was killed) is replaced.
  if (fs.existsSync(prefix) && !fs.existsSync(path.join(prefix, 'node_modules', name, 'package.json'))) fs.rmSync(prefix, { recursive: true, force: true });
  try {
    fs.renameSync(tmp, prefix);
  } catch (err) {
    // Another run installed it first: use theirs.
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!fs.existsSync(path.join(prefix, 'node_modules', name, 'package.json'))) throw err;
  }
}

/**
 * Packages that only work together (a framework's core and its adapters), installed into one
 * folder: `packageSetAt('nest-11.0.0', ['@nestjs/core@11.0.0', ...])` → its node_modules. An exact
 * set is installed once; a set with `latest` in it once a day (the label should say which).
 * Records each package's installed version as tested.
 */
function packageSetAt(label, specs) {
  const prefix = path.join(CACHE, `set-${label}`);
  const modules = path.join(prefix, 'node_modules');
  const names = specs.map((spec) => spec.slice(0, spec.lastIndexOf('@') > 0 ? spec.lastIndexOf('@') : spec.length));
  if (!names.every((name) => fs.existsSync(path.join(modules, name, 'package.json')))) {
    const tmp = `${prefix}.${process.pid}.tmp`;
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp, { recursive: true });
    try {
      execFileSync('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--ignore-scripts', '--prefix', tmp, ...specs], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    } catch (err) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw new Error(
        `npm could not install ${specs.join(' ')}: ${String(err.stderr || err.message)
          .trim()
          .split('\n')
          .slice(-3)
          .join(' ')}`,
        { cause: err },
      );
    }
    fs.rmSync(prefix, { recursive: true, force: true });
    try {
      fs.renameSync(tmp, prefix);
    } catch (err) {
      fs.rmSync(tmp, { recursive: true, force: true });
      if (!fs.existsSync(modules)) throw err;
    }
  }
  for (const name of names) recordVersion(name, readJson(path.join(modules, name, 'package.json')).version);
  return modules;
}

/** Version of the project's own copy of `name` (node_modules), for test titles. */
function projectVersion(name) {
  return readJson(path.join(ROOT, 'node_modules', name, 'package.json')).version;
}

/** The project's own copy of `name` (node_modules), recorded like the others (an alias under its real name). */
function projectPackage(name) {
  const dir = path.join(ROOT, 'node_modules', name);
  const pkg = readJson(path.join(dir, 'package.json'));
  recordVersion(pkg.name, pkg.version);
  return dir;
}

let semver;
/** npm's own copy of semver: always present where the tests can install anything. */
function loadSemver() {
  if (!semver) {
    const npmRoot = execFileSync('npm', ['root', '-g'], { encoding: 'utf8' }).trim();
    semver = require(path.join(npmRoot, 'npm', 'node_modules', 'semver'));
  }
  return semver;
}

/** Why `engines` rules out this Node version ('' when it does not). */
function unsupportedReason(name, version, engines, nodeVersion = process.versions.node) {
  const range = engines && engines.node;
  if (!range) return '';
  return loadSemver().satisfies(nodeVersion, range) ? '' : `${name} ${version} declares node ${range}, this is ${nodeVersion}`;
}

/**
 * The versions a spec tests `name` at: the oldest of its declared range (OLDEST, or as given) and
 * the registry's newest. Each entry has `version`, `which` ('oldest' | 'newest'),
 * `label` ('pg 8.0.3 (oldest)'), `skip` (why it cannot run on this Node, or ''),
 * `install()` and `dir()`. Resolved when the spec file loads, so titles carry
 * the version; a newest that cannot be resolved becomes a test that fails saying why.
 */
function oldestAndNewest(name, oldest = OLDEST[name]) {
  if (!oldest) throw new Error(`no oldest version of ${name} declared in test/support/deps.js`);
  const entry = (which, version, engines, error) => ({
    name,
    which,
    version,
    label: `${name} ${version} (${which})`,
    skip: error ? '' : unsupportedReason(name, version, engines),
    /** Installs it (before the tests, so that a slow install does not use up a test's time). */
    install() {
      if (error) throw error;
      return ensurePackage(name, version);
    },
    /** Its directory, recorded as tested: call it in the test that uses it. */
    dir() {
      if (error) throw error;
      return packageAt(name, version);
    },
  });
  let newestEntry;
  try {
    const info = newestInfo(name);
    newestEntry = entry('newest', info.version, info.engines);
  } catch (err) {
    newestEntry = entry('newest', 'unresolved', {}, err);
  }
  return [entry('oldest', oldest, {}), newestEntry];
}

/**
 * Installs the versions a spec tests (entries of oldestAndNewest) before its tests run, so a slow
 * install does not use up a test's time. One that cannot run on this Node is left out; one that
 * cannot be installed fails the tests that use it, which say why.
 */
function installAhead(versions) {
  for (const v of versions) {
    if (v.skip) continue;
    try {
      v.install();
    } catch {
      // reported by the tests that use it
    }
  }
}

module.exports = {
  OLDEST,
  installAhead,
  packageAt,
  packageSetAt,
  ensurePackage,
  newest,
  newestInfo,
  oldestAndNewest,
  projectPackage,
  projectVersion,
  recordVersion,
  unsupportedReason,
  CACHE,
};
