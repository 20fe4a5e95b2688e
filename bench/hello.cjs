// The hello-world server the throughput benchmark loads. Reports its peak RSS over IPC.
const http = require('node:http');
const server = http.createServer((req, res) => res.end('hello world'));
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (msg) => {
  if (msg === 'rss') process.send({ maxRssKiB: process.resourceUsage().maxRSS });
});
