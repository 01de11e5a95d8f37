import type { Command } from 'commander';
import { join } from 'node:path';
import { SqliteReadModelStore } from '../../../adapters/read-models/sqlite.read-model-store';
import { submissionsProjection } from '../../../projections/submissions/submissions.projection';
import { buildAttestations } from '../../attestations/attestations.composition';
import { SystemClock } from '../../clock/system-clock';
import { openEventStore } from '../../composition-root';
import { assertSafeBinding, loadConfig } from '../../config/config';
import { createApp } from '../../http/app';
import { listen } from '../../http/listen';
import { healthRoutes } from '../../http/routes/health.routes';
import { containerWith } from '../../injection';
import { createLogger, LOGGER } from '../../observability/logger';
import { METRICS, Metrics } from '../../observability/metrics';
import { READ_MODEL_STORE } from '../../ports/read-model-store';
import { ProjectionRunner } from '../../projections-runtime/projection-runner';
import { buildSigning } from '../../signing/signing.composition';
import { loadSigningConfig } from '../../signing/signing.config';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run the submission worker alone (set ATTESTOR_WORKER=off on the service); needs ATTESTOR_TLOGS')
    .option('--data-dir <dir>', 'data directory shared with the service (ATTESTOR_DATA_DIR)')
    .option('--port <port>', 'where /healthz, /readyz and /metrics are served, on ATTESTOR_HOST (0: any free port)', '8081')
    .action(async (opts: { dataDir?: string; port: string }) => {
      const config = loadConfig(process.env, { ...(opts.dataDir ? { ATTESTOR_DATA_DIR: opts.dataDir } : {}), ATTESTOR_PORT: opts.port });
      assertSafeBinding(config);
      if (!config.transparencyLogs) {
        throw new Error('attestor worker needs ATTESTOR_TLOGS: the embedded local log lives inside `attestor serve`');
      }
      const logger = createLogger(config.logLevel);
      const metrics = new Metrics();
      const clock = new SystemClock();
      const store = await openEventStore(config);
      // Its own read-model file: two processes must not fold into the same one.
      const readModels = SqliteReadModelStore.open(join(config.dataDir, 'worker-read-models.sqlite'));
      const runner = new ProjectionRunner(store, readModels, submissionsProjection, (name, error) => logger.error('projection stopped', { projection: name, error: String(error) }));
      runner.start();
      const container = containerWith(store, clock);
      container.registerInstance(LOGGER, logger);
      container.registerInstance(METRICS, metrics);
      container.registerInstance(READ_MODEL_STORE, readModels);
      const signing = buildSigning(loadSigningConfig(config.dataDir), container);
      const attestations = await buildAttestations(config, container, { startWorker: true, retry: config.submissions.retry });
      // The submission metrics move in this process: Prometheus scrapes them here, not from the service.
      const app = createApp({ logger, metrics, bodyLimit: config.http.bodyLimit, routers: [healthRoutes({ store, runners: [runner], metrics, maxLag: config.readinessMaxLag })] });
      const http = await listen(app, config.http.host, config.http.port);
      process.stdout.write(`attestor worker draining submissions to ${attestations.logConfigs.map((l) => l.name).join(', ')}; metrics on ${http.url}/metrics\n`);
      const stop = (): void => {
        void (async () => {
          await http.close();
          await attestations.close();
          await runner.stop();
          await signing.close();
          readModels.close();
          await store.close();
          process.exit(0);
        })();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
