'use strict';
// Nothing secret leaves by default. fixtures/secrets.cjs sends ~100 secrets of
// ~60 kinds through every integration (query strings of every common credential
// spelling, user:password in URLs and an absolute-form request target,
// headers, bodies, SQL literals and errors, Redis values, AUTH and commands the
// agent does not know); the test runs it once per exporter and looks for the
// secrets' mark in every byte that reached a collector and in everything the
// process printed. Then the rules themselves, one by one.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const dgram = require('node:dgram');
const http = require('node:http');
const { agentEnv, runNode, fixture } = require('./support/processes');
// (Read when the rules are tested, so the end-to-end tests run against any build.)
const semconv = () => require('../dist/semconv');
const { redisQueryText } = require('../dist/hooks/shared/redis-command');

/** Records every body POSTed to it and answers 200. */
async function collector() {
  const bodies = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks));
      res
        .writeHead(200, { 'content-type': req.headers['content-type'] || 'application/x-protobuf' })
        .end(req.headers['content-type'] === 'application/json' ? '{}' : '');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  return { bodies, port: server.address().port, close: () => new Promise((resolve) => server.close(resolve)) };
}

async function udpAgent() {
  const datagrams = [];
  const socket = dgram.createSocket('udp4');
  socket.on('message', (m) => datagrams.push(m));
  await new Promise((resolve) => socket.bind(0, '127.0.0.1', () => resolve(undefined)));
  return { bodies: datagrams, port: socket.address().port, close: () => new Promise((resolve) => socket.close(() => resolve(undefined))) };
}

describe('secrets: nothing secret leaves by default', function () {
  this.timeout(60000);

  const EXPORTERS = [
    { name: 'otlp http/protobuf', sink: collector, env: (port, mark) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://agent:${mark}99@127.0.0.1:${port}` }) },
    {
      name: 'otlp http/json',
      sink: collector,
      env: (port) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }),
    },
    {
      name: 'otlp + console',
      sink: collector,
      env: (port) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_TRACES_EXPORTER: 'otlp,console' }),
    },
    {
      name: 'jaeger http/thrift.binary',
      sink: collector,
      env: (port, mark) => ({
        OTEL_TRACES_EXPORTER: 'jaeger',
        OTEL_EXPORTER_JAEGER_ENDPOINT: `http://127.0.0.1:${port}/api/traces`,
        OTEL_EXPORTER_JAEGER_USER: 'me',
        OTEL_EXPORTER_JAEGER_PASSWORD: `${mark}98`,
      }),
    },
    {
      name: 'jaeger udp/thrift.binary',
      sink: udpAgent,
      env: (port) => ({ OTEL_TRACES_EXPORTER: 'jaeger', OTEL_EXPORTER_JAEGER_AGENT_HOST: '127.0.0.1', OTEL_EXPORTER_JAEGER_AGENT_PORT: String(port) }),
    },
  ];

  for (const exporter of EXPORTERS) {
    it(`through every integration, exported over ${exporter.name}: no secret in what was exported or printed`, async () => {
      const mark = `Zq${crypto.randomBytes(4).toString('hex')}`;
      const sink = await exporter.sink();
      try {
        const result = await runNode([fixture('secrets.cjs')], {
          flag: 'require',
          env: agentEnv(null, { MARK: mark, OTEL_LOG_LEVEL: 'debug', ...exporter.env(sink.port, mark) }),
          timeoutMs: 40000,
        });
        assert.equal(result.code, 0, result.stderr);
        const secrets = Number(/done (\d+) secrets/.exec(result.stdout)?.[1]);
        assert.ok(secrets >= 50, `${secrets} secrets sent`);
        const exported = Buffer.concat(sink.bodies);
        assert.ok(exported.length > 1000, `spans were exported (${exported.length} bytes)`);
        const leaks = [];
        const look = (where, text) => {
          for (let at = text.indexOf(mark); at !== -1; at = text.indexOf(mark, at + 1)) leaks.push(`${where}: …${text.slice(Math.max(0, at - 80), at + 20)}…`);
        };
        look('exported', exported.toString('latin1'));
        look('stdout', result.stdout.replace(/^done \d+ secrets\n/m, ''));
        look('stderr', result.stderr);
        assert.deepEqual(leaks, [], `${leaks.length} secrets leaked`);
        // The spans were there (the search looked at real data): a redacted query, a sanitised statement, a Redis command.
        for (const expected of ['REDACTED', 'NOSUCHCMD ? ?', 'SELECT ? AS password']) assert.ok(exported.includes(expected), `exported data holds ${expected}`);
      } finally {
        await sink.close();
      }
    });
  }
});

describe('secrets: the rules', () => {
  after(() => semconv().setRedactedQueryKeys([]));

  it('query keys that name a credential, in any common spelling, are redacted; others are kept', () => {
    const { isSensitiveQueryKey, redactQuery } = semconv();
    const secret = [
      'token',
      'refresh_token',
      'id_token',
      'access_token',
      'auth_token',
      'X-Amz-Security-Token',
      'secret',
      'client_secret',
      'passwd',
      'password',
      'PassWord',
      'pwd',
      'api-key',
      'api_key',
      'apikey',
      'key',
      'private_key',
      'sig',
      'signature',
      'X-Goog-Signature',
      'auth',
      'authorization',
      'code',
      'session',
      'sessionid',
      'session_id',
      'JSESSIONID',
      'PHPSESSID',
      'sid',
      'user[password]',
      'user[pwd]',
      'account.secret',
      'jwt',
    ];
    for (const key of secret) assert.equal(isSensitiveQueryKey(key), true, key);
    for (const key of ['page', 'q', 'sort', 'user', 'id', 'lang', 'user[name]', 'redirect']) assert.equal(isSensitiveQueryKey(key), false, key);
    assert.equal(
      redactQuery('q=shoes&refresh_token=abc&user%5Bpassword%5D=hunter2&page=2'),
      'q=shoes&refresh_token=REDACTED&user%5Bpassword%5D=REDACTED&page=2',
    );
  });

  it('TRACING_AGENT_REDACT_QUERY_KEYS adds rules: exact, prefix, contains', () => {
    const { redactQuery, setRedactedQueryKeys } = semconv();
    setRedactedQueryKeys(['ssn', 'card*', '*iban*', '*_no', 'acct*num']);
    assert.equal(
      redactQuery('ssn=1&cardnumber=2&my_iban_x=3&ssn_hint=4&phone_no=5&acct_long_num=6&q=7'),
      'ssn=REDACTED&cardnumber=REDACTED&my_iban_x=REDACTED&ssn_hint=4&phone_no=REDACTED&acct_long_num=REDACTED&q=7',
    );
    // Plain string tests: a hostile key of a megabyte costs microseconds.
    const { isSensitiveQueryKey } = semconv();
    const started = process.hrtime.bigint();
    assert.equal(isSensitiveQueryKey('x'.repeat(1 << 20)), false);
    assert.ok(process.hrtime.bigint() - started < 50_000_000n);
    assert.equal(redactQuery('token=1'), 'token=REDACTED', 'the built-in rules stay');
  });

  it('userinfo is taken out of every URL: url.full, and an absolute-form request target', () => {
    const { redactUrl, originFormOf } = semconv();
    assert.equal(redactUrl('http://admin:pass@host:8080/p?token=x'), 'http://REDACTED:REDACTED@host:8080/p?token=REDACTED');
    assert.equal(originFormOf('http://admin:pass@host:8080/p?q=1'), '/p?q=1');
    assert.equal(originFormOf('https://admin:pass@host'), '/');
    assert.equal(originFormOf('http://host?x=1'), '/?x=1');
    assert.equal(originFormOf('admin:pass@host:443'), 'host:443');
    assert.equal(originFormOf('*'), '*');
  });

  it('a Redis command the agent does not know records its name and a ? per argument; known ones their key', () => {
    assert.equal(redisQueryText('NOSUCHCMD', ['value', 'other'], false), 'NOSUCHCMD ? ?');
    assert.equal(redisQueryText('MODULE.CMD', ['secret'], false), 'MODULE.CMD ?');
    assert.equal(redisQueryText('CONFIG', ['SET', 'requirepass', 'x'], false), 'CONFIG ? ? ?');
    assert.equal(redisQueryText('AUTH', ['user', 'pass'], false), 'AUTH ? ?');
    assert.equal(redisQueryText('SET', ['user:1', 'v'], false), 'SET user:1 ?');
    assert.equal(redisQueryText('hget', ['h', 'f'], false), 'HGET h ?');
  });
});
