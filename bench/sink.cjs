// A local OTLP sink for the benchmark: accepts every export, answers 200, counts bytes and requests.
const http = require('node:http');
let requests = 0;
let bytes = 0;
const server = http.createServer((req, res) => {
  req.on('data', (d) => (bytes += d.length));
  req.on('end', () => {
    requests++;
    res.end();
  });
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (msg) => {
  if (msg === 'stats') process.send({ requests, bytes });
});
