// Keep-alive HTTP/1.1 load generator on raw sockets: far cheaper per request
// than any server, so the server under test is the bottleneck.
// usage: node load.js PORT CONNECTIONS WARMUP_MS MEASURE_MS  → prints {"rps": N}
const net = require('node:net');

const [port, connections, warmupMs, measureMs] = process.argv.slice(2).map(Number);
const REQUEST = Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
const MARK = 'HTTP/1.1 ';
let counting = false;
let count = 0;
const sockets = [];

for (let i = 0; i < connections; i++) {
  const socket = net.connect(port, '127.0.0.1', () => socket.write(REQUEST));
  socket.setNoDelay(true);
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
    if (counting) count += n;
    for (let k = 0; k < n; k++) socket.write(REQUEST);
  });
  socket.on('error', () => {});
  sockets.push(socket);
}

setTimeout(() => {
  counting = true;
  const started = process.hrtime.bigint();
  setTimeout(() => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    process.stdout.write(JSON.stringify({ rps: count / seconds }) + '\n');
    for (const s of sockets) s.destroy();
    process.exit(0);
  }, measureMs);
}, warmupMs);
