'use strict';
// A one-node Redis Cluster (all 16384 slots on one redis-server in cluster
// mode) on a free port, in a temporary directory: enough for a cluster client
// to discover its topology and route commands through it. The node announces
// 127.0.0.1, or CLUSTER SLOTS would give clients an empty host.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const Redis = require('ioredis');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

function answers(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket.end() && true));
    socket.on('error', () => resolve(false));
  });
}

async function startRedisCluster() {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ta-redis-cluster-'));
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--cluster-enabled',
    'yes',
    '--cluster-announce-ip',
    '127.0.0.1',
    '--cluster-config-file',
    path.join(dir, 'nodes.conf'),
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
  ];
  const server = spawn('redis-server', args, { stdio: 'ignore' });
  // @ts-expect-error ioredis's types describe its ES module view; require() gives the Redis class itself.
  const admin = new Redis({ host: '127.0.0.1', port, lazyConnect: true });
  const stop = async () => {
    admin.disconnect();
    server.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; !(await answers(port)); i++) {
      if (i > 100) throw new Error(`redis-server in cluster mode did not start on port ${port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await admin.connect();
    await admin.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
    // The node calls itself ready a moment after owning every slot.
    for (let i = 0; !/cluster_state:ok/.test(await admin.call('CLUSTER', 'INFO')); i++) {
      if (i > 100) throw new Error('the one-node Redis Cluster never reached cluster_state:ok');
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, stop };
}

module.exports = { startRedisCluster };
