'use strict';
// The demo's sample services, one file for every role (ROLE=frontend|backend|worker).
// Nothing in here knows about tracing except the one hand-made span
// (`processOrder`, through @opentelemetry/api); everything else is traced by
// the agent the services run under.
//
// frontend  GET /order     → processOrder: backend /stock (fetch) and /price (http.get) at once, then POST /reserve;
//                            with DEMO_AMQP, then an `order placed` message to RabbitMQ (queue demo.orders)
//           GET /checkout  → backend /pay, which fails (a query on a missing table): 500 → 502
// worker    (DEMO_AMQP)    → consumes demo.orders: records each order (PostgreSQL when DEMO_PG is set), then acks
// backend   GET /stock     → SQLite (better-sqlite3), cached in Redis when DEMO_REDIS is set
//           GET /price     → PostgreSQL when DEMO_PG is set, else SQLite
//           POST /reserve  → SQLite insert
//           GET /pay       → SQLite statement that fails (no such table)
const http = require('node:http');
const { trace, SpanStatusCode } = require('@opentelemetry/api');

const role = process.env.ROLE;
const tracer = trace.getTracer('shop-demo', '1.0.0');

function request(method, url) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';
const ORDERS = 'demo.orders';

/** A channel to RabbitMQ with the orders queue declared, or undefined when it cannot be had. */
async function ordersChannel() {
  try {
    const amqp = require('amqplib');
    const connection = await amqp.connect(AMQP_URL);
    connection.on('error', () => {});
    const channel = await connection.createChannel();
    await channel.assertQueue(ORDERS, { durable: false });
    return channel;
  } catch (err) {
    process.stderr.write(`${role}: RabbitMQ not usable (${err.message}); no order messages\n`);
    return undefined;
  }
}

async function frontend() {
  const backend = process.env.BACKEND_URL;
  const orders = process.env.DEMO_AMQP ? await ordersChannel() : undefined;
  return {
    '/order': (req, res, url) =>
      tracer.startActiveSpan('processOrder', async (span) => {
        try {
          const item = url.searchParams.get('item') || '42';
          span.setAttribute('order.item', item);
          const [stock, price] = await Promise.all([
            fetch(`${backend}/stock?item=${item}`).then((r) => r.text()),
            request('GET', `${backend}/price?item=${item}`),
          ]);
          const reserved = await request('POST', `${backend}/reserve?item=${item}`);
          span.setAttribute('order.total', Number(price.body));
          span.addEvent('order placed', { 'order.reservation': reserved.body });
          // The worker picks it up from the queue: the trace goes on through RabbitMQ.
          if (orders) orders.sendToQueue(ORDERS, Buffer.from(JSON.stringify({ item, reservation: reserved.body })));
          res.end(`order placed: ${stock}, price ${price.body}, reservation ${reserved.body}\n`);
        } catch (err) {
          span.recordException(err);
          span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
          res.statusCode = 500;
          res.end('order failed\n');
        } finally {
          span.end();
        }
      }),
    '/checkout': (req, res) =>
      tracer.startActiveSpan('processPayment', async (span) => {
        const answer = await request('GET', `${backend}/pay`);
        if (answer.status >= 500) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: `payment service answered ${answer.status}` });
          res.statusCode = 502;
          res.end('checkout failed: the payment service is down\n');
        } else res.end('paid\n');
        span.end();
      }),
  };
}

// The backend's setup (schema, seed rows, connections) as one trace of its own, not a dozen.
function backend() {
  return tracer.startActiveSpan('startup', async (span) => {
    try {
      return await setUpBackend();
    } finally {
      span.end();
    }
  });
}

/** better-sqlite3, or (when its native build is for another Node version) a stand-in without spans. */
function openSqlite() {
  try {
    const Database = require('better-sqlite3');
    return new Database(':memory:');
  } catch (err) {
    process.stderr.write(
      `backend: better-sqlite3 does not load (${err.message.split('\n')[0]}); running without SQLite spans. \`npm rebuild better-sqlite3\` fixes it.\n`,
    );
    /** @type {{ stock: Map<string, object>, prices: Map<string, object>, reservations: string[] }} */
    const rows = { stock: new Map(), prices: new Map(), reservations: [] };
    return {
      exec(sql) {
        if (/accounts/.test(sql)) throw new Error('no such table: accounts');
      },
      prepare(sql) {
        const table = /stock/.test(sql) ? 'stock' : /prices/.test(sql) ? 'prices' : 'reservations';
        return {
          run(item, value) {
            if (table === 'reservations') return { lastInsertRowid: rows.reservations.push(item) };
            rows[table].set(item, table === 'stock' ? { qty: value } : { price: value });
            return {};
          },
          get: (item) => (table === 'reservations' ? undefined : rows[table].get(item)),
        };
      },
    };
  }
}

async function setUpBackend() {
  const db = openSqlite();
  db.exec(`CREATE TABLE stock (item INTEGER PRIMARY KEY, qty INTEGER NOT NULL);
           CREATE TABLE prices (item INTEGER PRIMARY KEY, price REAL NOT NULL);
           CREATE TABLE reservations (id INTEGER PRIMARY KEY AUTOINCREMENT, item INTEGER NOT NULL, at TEXT NOT NULL)`);
  const seed = db.prepare('INSERT INTO stock (item, qty) VALUES (?, ?)');
  const seedPrice = db.prepare('INSERT INTO prices (item, price) VALUES (?, ?)');
  for (const [item, qty, price] of [
    [42, 7, 12.5],
    [7, 120, 3.2],
    [9, 0, 99],
  ]) {
    seed.run(item, qty);
    seedPrice.run(item, price);
  }
  const stockQuery = db.prepare('SELECT qty FROM stock WHERE item = ?');
  const priceQuery = db.prepare('SELECT price FROM prices WHERE item = ?');
  const reserve = db.prepare("INSERT INTO reservations (item, at) VALUES (?, datetime('now'))");

  let pg;
  if (process.env.DEMO_PG) {
    try {
      const { Pool } = require('pg');
      pg = new Pool({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test', max: 2, connectionTimeoutMillis: 1000 });
      await pg.query('SELECT 1');
    } catch (err) {
      process.stderr.write(`backend: PostgreSQL not usable (${err.message}); prices come from SQLite\n`);
      pg = undefined;
    }
  }
  let redis;
  if (process.env.DEMO_REDIS) {
    try {
      const Redis = require('ioredis');
      // @ts-expect-error ioredis's types describe its ES module view; require() gives the Redis class itself.
      redis = new Redis({
        host: '127.0.0.1',
        port: 6379,
        lazyConnect: true,
        maxRetriesPerRequest: 1,
        retryStrategy: () => null,
        enableReadyCheck: false,
        disableClientInfo: true,
      });
      redis.on('error', () => {});
      await redis.connect();
    } catch (err) {
      process.stderr.write(`backend: Redis not usable (${err.message}); no stock cache\n`);
      redis = undefined;
    }
  }
  const pause = (ms) => new Promise((r) => setTimeout(r, ms));

  return {
    '/stock': async (req, res, url) => {
      const item = Number(url.searchParams.get('item'));
      const key = `demo:stock:${item}`;
      let qty = redis ? await redis.get(key) : null;
      if (qty === null) {
        await pause(4); // a slow disk, say
        qty = (stockQuery.get(item) || { qty: 0 }).qty;
        if (redis) await redis.set(key, String(qty), 'EX', 5);
      }
      res.end(`${qty} in stock`);
    },
    '/price': async (req, res, url) => {
      const item = Number(url.searchParams.get('item'));
      let price;
      if (pg) {
        // A literal table, so the demo creates nothing in your database.
        const r = await pg.query('SELECT price FROM (VALUES (42, 12.50), (7, 3.20), (9, 99.00)) AS prices(item, price) WHERE item = $1', [item]);
        price = r.rows.length ? Number(r.rows[0].price) : 0;
      } else {
        await pause(2);
        price = (priceQuery.get(item) || { price: 0 }).price;
      }
      res.end(price.toFixed(2));
    },
    '/reserve': async (req, res, url) => {
      const { lastInsertRowid } = reserve.run(Number(url.searchParams.get('item')));
      res.end(`R-${lastInsertRowid}`);
    },
    '/pay': async (req, res) => {
      try {
        db.exec('UPDATE accounts SET balance = balance - 12.5 WHERE id = 1'); // there is no accounts table
        res.end('paid');
      } catch (err) {
        res.statusCode = 500;
        res.end(`payment failed: ${err.message}`);
      }
    },
  };
}

// The worker: no HTTP, only the queue. Each order is recorded, then acked.
async function worker() {
  const channel = await ordersChannel();
  if (!channel) process.exit(1);
  let pg;
  if (process.env.DEMO_PG) {
    const { Pool } = require('pg');
    pg = new Pool({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test', max: 2, connectionTimeoutMillis: 1000 });
  }
  await channel.consume(ORDERS, async (message) => {
    const order = JSON.parse(message.content.toString());
    try {
      // A literal row, so the demo creates nothing in your database.
      if (pg) await pg.query('SELECT $1::int AS item, $2::text AS reservation, now() AS recorded_at', [Number(order.item), order.reservation]);
      channel.ack(message);
    } catch (err) {
      process.stderr.write(`worker: could not record ${order.reservation}: ${err.message}\n`);
      channel.nack(message, false, false);
    }
  });
  console.log('listening 0');
}

async function main() {
  if (role === 'worker') return worker();
  const routes = role === 'backend' ? await backend() : await frontend();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://demo');
    const route = routes[url.pathname];
    if (!route) {
      res.statusCode = 404;
      return res.end('not found\n');
    }
    Promise.resolve(route(req, res, url)).catch((err) => {
      res.statusCode = 500;
      res.end(`${err.message}\n`);
    });
  });
  server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
