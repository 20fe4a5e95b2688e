// Every integration the agent has, in one list, as data: the modules each one
// hooks (package, versions, file inside the package) and, by name, the
// function of its file that patches each module or subscribes to the library's
// own diagnostics channels. A file is loaded only when one of its modules is
// (src/loader/declare.ts), so an app pays at startup only for what it uses.
// To add a library: a file here exporting those functions, and an entry below.
// src/loader/install.ts installs the enabled ones.

import { declareIntegration } from '../loader/declare';
import type { Integration } from '../loader/types';

export const INTEGRATIONS: readonly Integration[] = [
  declareIntegration('http', () => require('./http') as typeof import('./http'), {
    start: 'start',
    targets: [
      { package: 'http', versions: '*', patch: 'patchHttp' },
      { package: 'https', versions: '*', patch: 'patchHttps' },
    ],
  }),
  declareIntegration('fetch', () => require('./fetch') as typeof import('./fetch'), { start: 'start' }),
  declareIntegration('express', () => require('./express') as typeof import('./express'), {
    targets: [
      // express 4: its own router; `express.Router` is the router's prototype object.
      { package: 'express', versions: '>=4.9 <5', patch: 'patchExpress4' },
      { package: 'express', versions: '>=4.9 <5', file: 'lib/router/layer', patch: 'patchLayer4' },
      // express 5: the `router` package.
      { package: 'express', versions: '>=5 <6', patch: 'patchExpress5' },
      { package: 'router', versions: '>=2 <3', file: 'lib/layer', patch: 'patchLayer5' },
      { package: 'finalhandler', versions: '>=0.2 <3', patch: 'patchFinalhandler' },
    ],
  }),
  declareIntegration('fastify', () => require('./fastify') as typeof import('./fastify'), {
    targets: [
      // Each module declares both majors, so that neither warns of an unknown version on the other.
      { package: 'fastify', versions: '>=4 <5', file: 'lib/hooks', patch: 'patchHooks4' },
      { package: 'fastify', versions: '>=5 <6', file: 'lib/hooks', patch: 'patchHooks5' },
      { package: 'fastify', versions: '>=4 <5' },
      { package: 'fastify', versions: '>=5 <6', subscribe: 'subscribeHandlerChannel' },
    ],
  }),
  declareIntegration('koa', () => require('./koa') as typeof import('./koa'), {
    targets: [
      { package: 'koa', versions: '>=2 <4', patch: 'patchApplication' },
      // lib/context exports the prototype of every app's ctx.
      { package: 'koa', versions: '>=2 <4', file: 'lib/context', patch: 'patchContext' },
    ],
  }),
  declareIntegration('hapi', () => require('./hapi') as typeof import('./hapi'), {
    // lib/index requires lib/server, so the factory replaced there reaches every import.
    targets: [{ package: '@hapi/hapi', versions: '>=21 <22', file: 'lib/server', patch: 'patchServerFactory' }],
  }),
  declareIntegration('nestjs', () => require('./nestjs') as typeof import('./nestjs'), {
    targets: [
      { package: '@nestjs/core', versions: '>=11 <12', file: 'router/router-execution-context', patch: 'patchCreate' },
      { package: '@nestjs/core', versions: '>=11 <12', file: 'exceptions/exceptions-handler', patch: 'patchNext' },
      { package: '@nestjs/core', versions: '>=12 <13', file: 'router/router-execution-context', esModule: true, patch: 'patchCreate' },
      { package: '@nestjs/core', versions: '>=12 <13', file: 'exceptions/exceptions-handler', esModule: true, patch: 'patchNext' },
    ],
  }),
  declareIntegration('pg', () => require('./pg') as typeof import('./pg'), {
    targets: [
      { package: 'pg', versions: '>=8.0.3 <9', patch: 'patchPg' },
      { package: 'pg-pool', versions: '>=3 <4', patch: 'patchPool' },
    ],
  }),
  declareIntegration('mysql2', () => require('./mysql2') as typeof import('./mysql2'), {
    // 3.20.0 is the first to publish its own channels.
    targets: [
      { package: 'mysql2', versions: '>=2 <3.20.0', patch: 'patchMethods' },
      { package: 'mysql2', versions: '>=2 <3.20.0', file: 'promise', patch: 'patchMethods' },
      { package: 'mysql2', versions: '>=3.20.0 <4', subscribe: 'subscribe', patch: 'noteStatements' },
      { package: 'mysql2', versions: '>=3.20.0 <4', file: 'promise', subscribe: 'subscribe', patch: 'noteStatements' },
    ],
  }),
  declareIntegration('mysql', () => require('./mysql') as typeof import('./mysql'), {
    targets: [
      { package: 'mysql', versions: '>=2.17 <3', file: 'lib/Connection', patch: 'patchConnection' },
      { package: 'mysql', versions: '>=2.17 <3', file: 'lib/Pool', patch: 'patchPool' },
    ],
  }),
  declareIntegration('redis', () => require('./redis') as typeof import('./redis'), {
    // @redis/client 5.12.0 is the first to publish `node-redis:command`, `node-redis:batch` and `node-redis:connect`.
    targets: [
      { package: '@redis/client', versions: '>=1 <5.12.0', file: 'dist/lib/client', patch: 'patchClient' },
      { package: '@redis/client', versions: '>=1 <5.12.0', file: 'dist/lib/client/commands-queue', patch: 'patchCommandsQueue' },
      { package: '@redis/client', versions: '>=1 <5.12.0', file: 'dist/lib/client/commands', patch: 'noteCommandNames' },
      { package: '@redis/client', versions: '>=5.12.0', file: 'dist/lib/client', subscribe: 'subscribe', patch: 'patchAroundClient' },
      // The keys its sanitiser hides are kept for the spans (other subscribers still get its own list).
      { package: '@redis/client', versions: '>=5.12.0', file: 'dist/lib/client/tracing', patch: 'keepTracedArgs' },
    ],
  }),
  declareIntegration('ioredis', () => require('./ioredis') as typeof import('./ioredis'), {
    // 5.11.0 is the first to publish `ioredis:command`, `ioredis:batch` and `ioredis:connect`.
    targets: [
      { package: 'ioredis', versions: '>=4 <5.11.0', patch: 'patch' },
      { package: 'ioredis', versions: '>=5.11.0', subscribe: 'subscribe', patch: 'patchAround' },
      // The keys its sanitiser hides are kept for the spans (other subscribers still get its own list).
      { package: 'ioredis', versions: '>=5.11.0', file: 'built/tracing', patch: 'keepTracedArgs' },
    ],
  }),
  declareIntegration('better-sqlite3', () => require('./better-sqlite3') as typeof import('./better-sqlite3'), {
    targets: [{ package: 'better-sqlite3', versions: '>=11 <14', patch: 'patchDatabase' }],
  }),
  declareIntegration('amqplib', () => require('./amqplib') as typeof import('./amqplib'), {
    targets: [
      { package: 'amqplib', versions: '>=0.5.5 <3', file: 'lib/channel', patch: 'patchChannel' },
      { package: 'amqplib', versions: '>=0.5.5 <3', file: 'lib/channel_model', patch: 'patchModel' },
      { package: 'amqplib', versions: '>=0.5.5 <3', file: 'lib/callback_model', patch: 'patchModel' },
    ],
  }),
  declareIntegration('grpc', () => require('./grpc') as typeof import('./grpc'), {
    targets: [
      { package: '@grpc/grpc-js', versions: '>=1.0.0 <2', file: 'build/src/metadata', patch: 'noteMetadataClass' },
      { package: '@grpc/grpc-js', versions: '>=1.0.0 <2', file: 'build/src/client', patch: 'patchClient' },
      { package: '@grpc/grpc-js', versions: '>=1.0.0 <2', file: 'build/src/server', patch: 'patchServer' },
    ],
  }),
  declareIntegration('nats', () => require('./nats') as typeof import('./nats'), {
    targets: [
      { package: 'nats', versions: '>=2.7.0 <3', file: 'lib/nats-base-client/headers', patch: 'keepHeaders' },
      { package: 'nats', versions: '>=2.7.0 <3', file: 'lib/nats-base-client/protocol', patch: 'patchProtocol' },
      { package: '@nats-io/nats-core', versions: '>=3.0.0 <4', file: 'lib/headers', patch: 'keepHeaders' },
      { package: '@nats-io/nats-core', versions: '>=3.0.0 <4', file: 'lib/protocol', patch: 'patchProtocol' },
    ],
  }),
  declareIntegration('mqtt', () => require('./mqtt') as typeof import('./mqtt'), {
    targets: [
      { package: 'mqtt', versions: '>=5.0.0 <6', file: 'build/lib/client', patch: 'patchClient' },
      { package: 'mqtt', versions: '>=5.0.0 <6', file: 'build/src/lib/client', patch: 'patchClient' },
    ],
  }),
  declareIntegration('graphql', () => require('./graphql') as typeof import('./graphql'), {
    // 17 publishes its own channels, subscribed as it creates them (however the app loads
    // it); its modules are declared so that loading them patches nothing and warns of nothing.
    channels: { prefix: 'graphql:', subscribe: 'subscribeChannels' },
    targets: [
      { package: 'graphql', versions: '>=16.0.0 <17', file: 'execution/execute', patch: 'patchExecute' },
      { package: 'graphql', versions: '>=16.0.0 <17', file: 'language/parser', patch: 'patchParser' },
      { package: 'graphql', versions: '>=16.0.0 <17', file: 'validation/validate', patch: 'patchValidate' },
      { package: 'graphql', versions: '>=17.0.0 <18', file: 'execution/execute' },
      { package: 'graphql', versions: '>=17.0.0 <18', file: 'language/parser' },
      { package: 'graphql', versions: '>=17.0.0 <18', file: 'validation/validate' },
    ],
  }),
  declareIntegration('pino', () => require('./pino') as typeof import('./pino'), {
    targets: [
      { package: 'pino', versions: '>=8 <11', file: 'lib/tools', patch: 'patchTools' },
      { package: 'pino', versions: '>=8 <11', file: 'lib/symbols', patch: 'noteSymbols' },
    ],
  }),
  declareIntegration('winston', () => require('./winston') as typeof import('./winston'), {
    targets: [{ package: 'winston', versions: '>=3 <4', file: 'lib/winston/logger', patch: 'patchLogger' }],
  }),
  declareIntegration('bunyan', () => require('./bunyan') as typeof import('./bunyan'), {
    targets: [{ package: 'bunyan', versions: '>=1 <3', patch: 'patchLogger' }],
  }),
];
