import type { ExecutionContext } from 'ava';
import winston from 'winston';
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
