import { existsSync } from 'node:fs';
import type { Router } from 'express';
import { SqliteEventStore } from '../adapters/event-store/sqlite/sqlite.event-store';
import { SqliteReadModelStore } from '../adapters/read-models/sqlite.read-model-store';
import { allProjections } from '../projections';
import { AttestationVerifier } from './attestations/attestation-verifier';
import { buildAttestations } from './attestations/attestations.composition';
import { SystemClock } from './clock/system-clock';
import { ConfigError, type Config } from './config/config';
import { attestationRoutes } from './http/routes/attestations.routes';
import { auditRoutes } from './http/routes/audit.routes';
import { healthRoutes } from './http/routes/health.routes';
import { keysRoutes } from './http/routes/keys.routes';
import { signRoutes } from './http/routes/sign.routes';
import { verifyRoutes } from './http/routes/verify.routes';
import { buildLedger } from './ledger/ledger.composition';
import { containerWith, type DependencyContainer } from './injection';
import { loadLedgerConfig } from './ledger/ledger.config';
import { LOGGER, type Logger } from './observability/logger';
import { InstrumentedEventStore } from './observability/instrumented-event-store';
import { METRICS, Metrics } from './observability/metrics';
import type { EventStore } from './ports/event-store';
import { READ_MODEL_STORE, type ReadModelStore } from './ports/read-model-store';
import { ProjectionFeed } from './projections-runtime/projection-feed';
import { ProjectionRunner } from './projections-runtime/projection-runner';
import { buildSigning } from './signing/signing.composition';
import { loadSigningConfig } from './signing/signing.config';

/** Opens the configured event store: an `esdb://` connection string selects EventStoreDB, otherwise the SQLite file. */
export async function openEventStore(config: Config, options: { mustExist?: boolean } = {}): Promise<EventStore> {
  if (options.mustExist && config.eventStore.kind === 'sqlite' && !existsSync(config.eventStore.file)) {
    // A read-only verb must not create an empty ledger where a mistyped path points.
    throw new Error(`no ledger at ${config.eventStore.file}: check --data-dir or ATTESTOR_DATA_DIR (nothing was created)`);
  }
  if (config.eventStore.kind === 'esdb') {
    const { EsdbEventStore } = await import('../adapters/event-store/esdb/esdb.event-store');
    return EsdbEventStore.connect(config.eventStore.connectionString);
  }
  return SqliteEventStore.open(config.eventStore.file);
}

export interface Composition {
  readonly container: DependencyContainer;
  readonly routers: readonly Router[];
  close(): Promise<void>;
}

/**
 * The composition root: the only place that knows which adapter implements
 * which port. Adapters are chosen from the configuration and registered in a
 * child container (so tests can build several services in one process); the
 * services are resolved from it by constructor injection (`@inject(TOKEN)`).
 */
export async function compose(config: Config, logger: Logger): Promise<Composition> {
  if (!config.submissions.worker && !config.transparencyLogs) {
    // The embedded local log lives inside this process; `attestor worker` could not reach it.
    throw new ConfigError('ATTESTOR_WORKER=off needs ATTESTOR_TLOGS: without it the service logs to its own embedded log, which only its own worker can reach, and nothing would drain the queue');
  }
  const metrics = new Metrics();
  const store = new InstrumentedEventStore(await openEventStore(config), metrics);
  const readModels: ReadModelStore = SqliteReadModelStore.open(config.readModelFile);
  const runners = allProjections.map(
    (p) =>
      new ProjectionRunner(store, readModels, p, (name, error) =>
        logger.error('projection stopped', { projection: name, error: error instanceof Error ? error.message : String(error) }),
      ),
  );

  const container = containerWith(store, new SystemClock());
  container.registerInstance(LOGGER, logger);
  container.registerInstance(METRICS, metrics);
  container.registerInstance(READ_MODEL_STORE, readModels);

  const signing = buildSigning(loadSigningConfig(config.dataDir), container);

  const ledgerConfig = loadLedgerConfig();
  const ledger = buildLedger(ledgerConfig, container, (error) =>
    logger.error('ledger checkpoint failed', { error: error instanceof Error ? error.message : String(error) }),
  );
  if (ledgerConfig.checkpointIntervalMs > 0) ledger.checkpointer.start();

  const attestations = await buildAttestations(config, container, { startWorker: config.submissions.worker, retry: config.submissions.retry });
  container.registerSingleton(AttestationVerifier);
  const verifier = container.resolve(AttestationVerifier);

  // One subscription feeds every projection: the ledger is read and decoded once.
  const feed = new ProjectionFeed(store, readModels, runners);
  feed.start();

  const routers: Router[] = [
    healthRoutes({ store, runners, metrics, maxLag: config.readinessMaxLag }),
    keysRoutes({ keys: signing.keys, store, readModels }),
    auditRoutes({ store, readModels }),
    signRoutes({ signing: signing.signing, verification: signing.verification, archive: signing.archive }),
    attestationRoutes({
      submissions: attestations.service,
      worker: attestations.worker,
      signing: signing.signing,
      archive: signing.archive,
      readModels,
      waitMs: config.submissions.waitMs,
      trustedRoot: () => attestations.trustedRoot(),
      logger,
    }),
    verifyRoutes({ verifier, logger }),
  ];

  return {
    container,
    routers,
    async close() {
      await attestations.close();
      await feed.stop();
      await ledger.checkpointer.stop();
      await signing.close();
      readModels.close();
      await store.close();
    },
  };
}
