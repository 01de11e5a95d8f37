import type { Command } from 'commander';
import { join } from 'node:path';
import { SqliteReadModelStore } from '../../../adapters/read-models/sqlite.read-model-store';
import { submissionsProjection } from '../../../projections/submissions/submissions.projection';
import { buildAttestations } from '../../attestations/attestations.composition';
import { SystemClock } from '../../clock/system-clock';
import { openEventStore } from '../../composition-root';
import { loadConfig } from '../../config/config';
import { createLogger } from '../../observability/logger';
import { Metrics } from '../../observability/metrics';
import { ProjectionRunner } from '../../projections-runtime/projection-runner';
import { buildSigning } from '../../signing/signing.composition';
import { loadSigningConfig } from '../../signing/signing.config';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run the submission worker alone (set ATTESTOR_WORKER=off on the service); needs ATTESTOR_TLOGS')
    .option('--data-dir <dir>', 'data directory shared with the service (ATTESTOR_DATA_DIR)')
    .action(async (opts: { dataDir?: string }) => {
      const config = loadConfig(process.env, opts.dataDir ? { ATTESTOR_DATA_DIR: opts.dataDir } : {});
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
      const signing = buildSigning(loadSigningConfig(config.dataDir), store, clock, logger);
      const attestations = await buildAttestations(config, { store, readModels, archive: signing.archive, clock, logger, metrics }, { startWorker: true, retry: config.submissions.retry });
      process.stdout.write(`attestor worker draining submissions to ${attestations.logConfigs.map((l) => l.name).join(', ')}\n`);
      const stop = (): void => {
        void (async () => {
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
