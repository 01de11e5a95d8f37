import type { ExecutionContext } from 'ava';
import { join } from 'node:path';
import winston from 'winston';
import { SqliteEventStore } from '../../adapters/event-store/sqlite/sqlite.event-store';
import { loadConfig } from '../../src/config/config';
import { startService, type RunningService } from '../../src/server';
import { tempDir } from './temp-dir';

/** A real service on a random loopback port over a fresh data directory. */
export async function aRunningService(t: ExecutionContext, env: Record<string, string> = {}): Promise<RunningService & { dataDir: string }> {
  const dataDir = tempDir(t);
  const config = loadConfig({ ATTESTOR_DATA_DIR: dataDir, ATTESTOR_PORT: '0', ...env });
  const logger = winston.createLogger({ silent: true });
  const service = await startService(config, logger);
  t.teardown(() => service.close());
  return { ...service, dataDir };
}

/** How many events a service over `dataDir` has written: a refused request must leave it unchanged. */
export async function eventCount(dataDir: string): Promise<number> {
  const store = SqliteEventStore.open(join(dataDir, 'events.sqlite'));
  try {
    return (await store.readAll()).length;
  } finally {
    await store.close();
  }
}
