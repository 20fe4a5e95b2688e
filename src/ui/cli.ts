// `tracing-agent ui`: arguments → the viewer's listeners; four lines on
// stdout once every one is up; Ctrl-C (SIGINT) or SIGTERM closes them and
// ends the process with status 0.
import { DEFAULTS, startViewer, type ViewerOptions } from './server';

export const USAGE = `usage: tracing-agent ui [options]

A local trace viewer: receives OTLP/HTTP and Jaeger Thrift, shows traces in the browser.

options:
  --host HOST               address to listen on (default ${DEFAULTS.host})
  --port PORT               web page and Jaeger query API (default ${DEFAULTS.port})
  --otlp-port PORT          OTLP/HTTP receiver, POST /v1/traces (default ${DEFAULTS.otlpPort})
  --jaeger-port PORT        Jaeger collector HTTP, POST /api/traces (default ${DEFAULTS.jaegerPort})
  --jaeger-agent-port PORT  Jaeger agent UDP, binary Thrift emitBatch (default ${DEFAULTS.jaegerAgentPort})
  --max-memory BYTES        memory the viewer may use, e.g. 512m (default 512m): the
                            oldest traces go first to stay within it
  --max-traces N            traces kept at most; the oldest go first (default ${DEFAULTS.maxTraces})
  --max-attributes N        attributes kept per span, event and resource (default ${DEFAULTS.limits.attributes})
  --max-events N            events kept per span (default ${DEFAULTS.limits.events})
  --max-links N             links kept per span (default ${DEFAULTS.limits.links})
  --max-value-length N      characters kept of a value (default ${DEFAULTS.limits.valueLength})
  --data FILE               keep the traces in FILE too, so a restart shows them again
  --max-data-size BYTES     largest size of FILE; the oldest traces go first (default 1g)
  --max-body-size BYTES     largest request body accepted, e.g. 16m (default 16m)
  --cors-origin ORIGIN      let pages of ORIGIN (e.g. http://localhost:3000) send OTLP from a
                            browser; repeat for more (default: none)
  -h, --help                this text

A port of 0 means any free port. Once listening it prints:
  ui http://HOST:PORT
  otlp http://HOST:PORT
  jaeger-http http://HOST:PORT/api/traces
  jaeger-udp udp://HOST:PORT
`;

export class UsageError extends Error {}

function port(flag: string, v: string): number {
  if (!/^\d+$/.test(v) || Number(v) > 65535) throw new UsageError(`${flag} must be a port number from 0 to 65535, not ${JSON.stringify(v)}`);
  return Number(v);
}

function positive(flag: string, v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`${flag} must be a whole number of at least 1, not ${JSON.stringify(v)}`);
  return Number(v);
}

function size(flag: string, v: string): number {
  const m = /^(\d+)\s*([kmg]i?b?)?$/i.exec(v.trim());
  if (!m || Number(m[1]) < 1) throw new UsageError(`${flag} must be a size such as 1048576, 512k or 16m, not ${JSON.stringify(v)}`);
  const unit = (m[2] || '').charAt(0).toLowerCase();
  return Number(m[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1);
}

/** Parses `ui`'s arguments; `help: true` when -h/--help was given. */
export function parseArgs(argv: string[]): Partial<ViewerOptions> & { help?: boolean } {
  const opts: Partial<ViewerOptions> & { help?: boolean } = {};
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (arg === '-h' || arg === '--help') {
      opts.help = true;
      continue;
    }
    const take = () => {
      if (value !== undefined) return value;
      if (i + 1 >= argv.length) throw new UsageError(`${arg} needs a value`);
      return argv[++i];
    };
    switch (arg) {
      case '--host': {
        const h = take().trim();
        if (!h) throw new UsageError('--host must not be empty');
        opts.host = h.replace(/^\[(.*)\]$/, '$1');
        break;
      }
      case '--port':
        opts.port = port(arg, take());
        break;
      case '--otlp-port':
        opts.otlpPort = port(arg, take());
        break;
      case '--jaeger-port':
        opts.jaegerPort = port(arg, take());
        break;
      case '--jaeger-agent-port':
        opts.jaegerAgentPort = port(arg, take());
        break;
      case '--max-traces':
        opts.maxTraces = positive(arg, take());
        break;
      case '--data': {
        const f = take();
        if (!f) throw new UsageError('--data needs a file name');
        opts.dataFile = f;
        break;
      }
      case '--max-body-size':
        opts.maxBodyBytes = size(arg, take());
        break;
      case '--max-memory': {
        const bytes = size(arg, take());
        if (bytes < 64 * 1024 * 1024) throw new UsageError(`${arg} must be at least 64m`);
        opts.maxMemory = bytes;
        break;
      }
      case '--max-data-size':
        opts.maxDataBytes = size(arg, take());
        break;
      case '--max-attributes':
      case '--max-events':
      case '--max-links':
      case '--max-value-length': {
        const n = positive(arg, take());
        const key = ({ '--max-attributes': 'attributes', '--max-events': 'events', '--max-links': 'links', '--max-value-length': 'valueLength' } as const)[arg];
        opts.limits = { ...(opts.limits ?? DEFAULTS.limits), [key]: n };
        break;
      }
      case '--cors-origin': {
        const origins = take()
          .split(',')
          .map((o) => o.trim().replace(/\/+$/, ''))
          .filter(Boolean);
        for (const origin of origins)
          if (!/^https?:\/\/[^/\s]+$/.test(origin))
            throw new UsageError(`--cors-origin must be an origin such as http://localhost:3000, not ${JSON.stringify(origin)}`);
        opts.corsOrigins = [...(opts.corsOrigins ?? []), ...origins];
        break;
      }
      default:
        throw new UsageError(arg.startsWith('-') ? `unknown option ${arg}` : `unexpected argument ${JSON.stringify(arg)}`);
    }
  }
  return opts;
}

/**
 * Since V8 12 (Node 22 and later) the young generation grows to tens of MiB
 * under the viewer's load (every request allocates its spans anew), which
 * alone would take a quarter of a 256 MiB --max-memory: measured here, a
 * flood of 1 MiB spans peaked at 326 MiB RSS on Node 24, 213 MiB with a 1 MiB
 * semi-space. The heap is sized when the process starts, so the viewer
 * replaces itself once (same pid, same stdio) with that flag, where Node can
 * (process.execve, Node 22.15 and later); the app's own flags are kept.
 */
function restartWithSmallYoungGeneration(): void {
  const execve = (process as unknown as { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never }).execve;
  if (typeof execve !== 'function' || process.env.TRACING_AGENT_UI_RESTARTED === '1') return;
  if (process.execArgv.some((arg) => arg.startsWith('--max-semi-space-size'))) return;
  try {
    execve.call(process, process.execPath, [process.execPath, '--max-semi-space-size=1', ...process.execArgv, ...process.argv.slice(1)], {
      ...process.env,
      TRACING_AGENT_UI_RESTARTED: '1',
    });
  } catch {
    // not allowed here: the viewer runs as it is
  }
}

/** Runs the viewer until SIGINT/SIGTERM. Resolves with the exit status. */
export async function main(argv: string[]): Promise<number> {
  let opts;
  try {
    opts = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`tracing-agent ui: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  restartWithSmallYoungGeneration();
  let viewer;
  try {
    viewer = await startViewer(opts);
  } catch (err) {
    process.stderr.write(`tracing-agent ui: ${(err as Error).message}\n`);
    return 1;
  }
  const { urls } = viewer;
  process.stdout.write(`ui ${urls.ui}\notlp ${urls.otlp}\njaeger-http ${urls.jaegerHttp}\njaeger-udp ${urls.jaegerUdp}\n`);
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        // A second Ctrl-C while closing: leave at once.
        process.exit(signal === 'SIGINT' ? 130 : 143);
      }
      stopping = true;
      viewer.close().then(
        () => resolve(0),
        (err) => {
          process.stderr.write(`tracing-agent ui: ${(err as Error).message}\n`);
          resolve(1);
        },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
