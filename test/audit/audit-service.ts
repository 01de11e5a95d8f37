import type { ExecutionContext } from 'ava';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import winston from 'winston';
import { SqliteEventStore } from '../../adapters/event-store/sqlite/sqlite.event-store';
import { SqliteReadModelStore } from '../../adapters/read-models/sqlite.read-model-store';
import { allProjections } from '../../projections';
import { createApp } from '../../src/http/app';
import { auditRoutes } from '../../src/http/routes/audit.routes';
import { Metrics } from '../../src/observability/metrics';
import { ProjectionRunner } from '../../src/projections-runtime/projection-runner';
import { tempDir } from '../support/temp-dir';

export interface AuditService {
  readonly dir: string;
  readonly store: SqliteEventStore;
  readonly readModels: SqliteReadModelStore;
  /** Starts every projection and waits until all have folded the store's head. */
  catchUp(): Promise<void>;
  get(path: string): Promise<{ status: number; type: string; headers: Headers; body: Record<string, unknown> }>;
}

/**
 * The audit routes in the real express app (request ids, problem+json) over
 * real SQLite files in a temporary directory. The projections run only when
 * asked (`catchUp`), so tests can also query a read model that lags.
 */
export async function anAuditService(t: ExecutionContext): Promise<AuditService> {
  const dir = tempDir(t);
  const store = SqliteEventStore.open(join(dir, 'events.sqlite'));
  const readModels = SqliteReadModelStore.open(join(dir, 'read-models.sqlite'));
  const runners: ProjectionRunner[] = [];
  const logger = winston.createLogger({ silent: true });
  const app = createApp({ logger, metrics: new Metrics(), bodyLimit: '1mb', routers: [auditRoutes({ store, readModels })] });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  t.teardown(async () => {
    await new Promise((resolve) => server.close(resolve));
    for (const r of runners) await r.stop();
    readModels.close();
    await store.close();
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    dir,
    store,
    readModels,
    async catchUp() {
      if (runners.length === 0) {
        for (const p of allProjections) runners.push(new ProjectionRunner(store, readModels, p));
        for (const r of runners) r.start();
      }
      const head = await store.headPosition();
      for (const r of runners) if (!(await r.waitFor(head))) throw new Error(`${r.projection.name} did not catch up`);
    },
    async get(path: string) {
      const res = await fetch(`${url}${path}`);
      const text = await res.text();
      return { status: res.status, type: res.headers.get('content-type') ?? '', headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    },
  };
}
