// Keep-alive HTTP/1.1 load generator on raw sockets: far cheaper per request
// than any server, so the server under test is the bottleneck.
//
// Several servers are measured side by side by taking turns: the load goes to
// one server at a time for SLICE_MS, then to the next, round after round. On a
// shared machine whose speed drifts from one second to the next, servers that
// alternate every fraction of a second see the same drift; separate runs of a
// few seconds each do not.
//
// usage: node load.js PORT[,PORT…] CONNECTIONS WARMUP_MS MEASURE_MS [SLICE_MS] [PATH]
//   → prints {"rps": [per server, over whole rounds], "rounds": [[per server: that turn's req/s], …]}
const net = require('node:net');

const [portList, connections, warmupMs, measureMs, sliceMs = '100', requestPath = '/'] = process.argv.slice(2);
const ports = portList.split(',').map(Number);
const REQUEST = Buffer.from(`GET ${requestPath} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
const MARK = 'HTTP/1.1 ';

let turn = 0; // the server whose turn it is
let counting = false;
/** Responses per server since the start (a turn counts the difference). */
const answered = ports.map(() => 0);
/** Per server, its turns while counting: responses (to requests sent in the turn's own window) and seconds. */
const turns = ports.map(() => []);

/** @typedef {net.Socket & { waiting: number }} Connection a socket, with the number of its requests not answered yet */

/**
 * A connection sends its next request only while its server has the turn.
 * @returns {Connection}
 */
function connect(port, server) {
  const socket = /** @type {Connection} */ (net.connect(port, '127.0.0.1'));
  socket.setNoDelay(true);
  socket.waiting = 0;
  let tail = '';
  socket.on('data', (chunk) => {
    const text = tail + chunk.toString('latin1');
    let at = text.indexOf(MARK);
    let n = 0;
    while (at !== -1) {
      n++;
      at = text.indexOf(MARK, at + MARK.length);
    }
    tail = text.slice(-MARK.length + 1);
    socket.waiting -= n;
    answered[server] += n;
    if (turn === server) send(socket, n);
  });
  socket.on('error', () => {});
  return socket;
}

/** @param {Connection} socket */
function send(socket, n) {
  for (let k = 0; k < n; k++) socket.write(REQUEST);
  socket.waiting += n;
}

const pools = ports.map((port, server) => Array.from({ length: Number(connections) }, () => connect(port, server)));

let turnStarted = process.hrtime.bigint();
let answeredAtStart = 0;

function startTurn(server) {
  turn = server;
  turnStarted = process.hrtime.bigint();
  answeredAtStart = answered[server];
  for (const socket of pools[server]) if (socket.waiting === 0) send(socket, 1);
}

function endTurn() {
  if (!counting) return;
  turns[turn].push({ n: answered[turn] - answeredAtStart, s: Number(process.hrtime.bigint() - turnStarted) / 1e9 });
}

let connected = 0;
for (const pool of pools) {
  for (const socket of pool) {
    socket.once('connect', () => {
      if (++connected === ports.length * pools[0].length) begin();
    });
  }
}

/** Turns in order from the first server, one every SLICE_MS. */
function rotate() {
  startTurn(0);
  return setInterval(() => {
    endTurn();
    startTurn((turn + 1) % ports.length);
  }, Number(sliceMs));
}

function begin() {
  let switcher = rotate();
  setTimeout(() => {
    // Counting starts with the first server's turn, so every round has each server once, in order.
    clearInterval(switcher);
    counting = true;
    switcher = rotate();
    setTimeout(() => {
      clearInterval(switcher);
      // Only whole rounds count: each server had the same number of turns.
      const rounds = Math.min(...turns.map((t) => t.length));
      const whole = turns.map((t) => t.slice(0, rounds));
      const rps = whole.map((t) => t.reduce((a, x) => a + x.n, 0) / t.reduce((a, x) => a + x.s, 0));
      process.stdout.write(JSON.stringify({ rps, rounds: Array.from({ length: rounds }, (_, r) => whole.map((t) => t[r].n / t[r].s)) }) + '\n');
      process.exit(0);
    }, Number(measureMs));
  }, Number(warmupMs));
}
