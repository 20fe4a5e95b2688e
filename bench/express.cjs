// The express app the express throughput figure loads: one route with a parameter. Reports its port over IPC.
const http = require('node:http');
const express = require('express');

const app = express();
app.get('/users/:id', (req, res) => res.send(`user ${req.params.id}`));
const server = http.createServer(app);
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
