// The demo's sample services, one file for both roles (ROLE=frontend|backend).
// frontend: GET /order → its own span → backend over fetch and http.get; GET /fail → backend error.
// backend:  GET /stock, GET /price, GET /broken (500).
const http = require('node:http');
const { trace, SpanStatusCode } = require('@opentelemetry/api');

const tracer = trace.getTracer('shop-demo', '1.0.0');
const role = process.env.ROLE;
const backend = process.env.BACKEND_URL;

function get(url) {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    }).on('error', reject);
  });
}

const routes = {
  frontend: {
    '/order': (req, res) =>
      tracer.startActiveSpan('processOrder', async (span) => {
        const stock = await fetch(`${backend}/stock?item=42`).then((r) => r.text());
        const price = await get(`${backend}/price`);
        span.setAttribute('order.total', Number(price.body));
        span.end();
        res.end(`order placed: ${stock}, total ${price.body}\n`);
      }),
    '/fail': (req, res) =>
      tracer.startActiveSpan('processOrder', async (span) => {
        const answer = await get(`${backend}/broken`);
        span.setStatus({ code: SpanStatusCode.ERROR, message: `backend answered ${answer.status}` });
        span.end();
        res.statusCode = 502;
        res.end('order failed\n');
      }),
  },
  backend: {
    '/stock': (req, res) => setTimeout(() => res.end('7 in stock'), 5),
    '/price': (req, res) => setTimeout(() => res.end('12.50'), 3),
    '/broken': (req, res) => {
      res.statusCode = 500;
      res.end('database unavailable');
    },
  },
};

const server = http.createServer((req, res) => {
  const route = routes[role][req.url.split('?')[0]];
  if (route) route(req, res);
  else {
    res.statusCode = 404;
    res.end();
  }
});
server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
