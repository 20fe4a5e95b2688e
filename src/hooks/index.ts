// Every integration the agent has, in one list: each file declares what it
// hooks (src/loader/types.ts) and src/loader/install.ts installs the enabled
// ones. To add a library: a file here exporting `integration`, and a line below.

import type { Integration } from '../loader/types';
import { integration as amqplib } from './amqplib';
import { integration as betterSqlite3 } from './better-sqlite3';
import { integration as bunyan } from './bunyan';
import { integration as express } from './express';
import { integration as fastify } from './fastify';
import { integration as fetch } from './fetch';
import { integration as graphql } from './graphql';
import { integration as grpc } from './grpc';
import { integration as hapi } from './hapi';
import { integration as http } from './http';
import { integration as ioredis } from './ioredis';
import { integration as koa } from './koa';
import { integration as mqtt } from './mqtt';
import { integration as mysql } from './mysql';
import { integration as mysql2 } from './mysql2';
import { integration as nats } from './nats';
import { integration as nestjs } from './nestjs';
import { integration as pg } from './pg';
import { integration as pino } from './pino';
import { integration as redis } from './redis';
import { integration as winston } from './winston';

export const INTEGRATIONS: readonly Integration[] = [
  http,
  fetch,
  express,
  fastify,
  koa,
  hapi,
  nestjs,
  pg,
  mysql2,
  mysql,
  redis,
  ioredis,
  betterSqlite3,
  amqplib,
  grpc,
  nats,
  mqtt,
  graphql,
  pino,
  winston,
  bunyan,
];
