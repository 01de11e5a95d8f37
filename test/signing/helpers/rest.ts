import express from 'express';
import type { AddressInfo } from 'node:net';
import winston from 'winston';
import { errorHandler, notFound } from '../../../src/http/problem';
import { keysRoutes } from '../../../src/http/routes/keys.routes';
import { signRoutes } from '../../../src/http/routes/sign.routes';
import { fixture, type Fixture } from './fixture';

export interface RestAnswer {
  readonly status: number;
  readonly type: string;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
  readonly text: string;
}

/** The keys and sign routes over a signing fixture, on a loopback port; closed after the test. */
export async function signingRest(t: { teardown(fn: () => unknown): void }, options: { maxPayloadBytes?: number } = {}): Promise<{ f: Fixture; call: (method: string, path: string, body?: unknown) => Promise<RestAnswer> }> {
  const f = fixture([], options);
  const app = express();
  app.use(express.json({ limit: '1mb' }));
  app.use(keysRoutes({ keys: f.keys, store: f.store }));
  app.use(signRoutes({ signing: f.signing, verification: f.verification, archive: f.archive }));
  app.use(notFound);
  app.use(errorHandler(winston.createLogger({ silent: true })));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  t.teardown(async () => {
    await new Promise((resolve) => server.close(resolve));
    await f.close();
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const call = async (method: string, path: string, body?: unknown): Promise<RestAnswer> => {
    const res = await fetch(`${url}${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, text };
  };
  return { f, call };
}
