import { compose } from './composition-root';
import { assertSafeBinding, type Config } from './config/config';
import { createApp } from './http/app';
import { listen } from './http/listen';
import type { Logger } from './observability/logger';
import { METRICS, type Metrics } from './observability/metrics';

export interface RunningService {
  readonly url: string;
  close(): Promise<void>;
}

/** Starts the HTTP service on the configured store; `close()` drains and closes everything. */
export async function startService(config: Config, logger: Logger): Promise<RunningService> {
  assertSafeBinding(config);
  const composition = await compose(config, logger);
  const app = createApp({ logger, metrics: composition.container.resolve<Metrics>(METRICS), bodyLimit: config.http.bodyLimit, routers: composition.routers });
  const { url, close } = await listen(app, config.http.host, config.http.port);
  logger.info('attestor listening', { url, eventStore: config.eventStore.kind, dataDir: config.dataDir });
  if (config.auth.mode === 'none') logger.warn('authentication is off: serving loopback only', { host: config.http.host });
  return {
    url,
    async close() {
      await close();
      await composition.close();
    },
  };
}
