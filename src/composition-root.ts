import 'reflect-metadata';
import { existsSync } from 'node:fs';
import type { Router } from 'express';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { SqliteEventStore } from '../adapters/event-store/sqlite/sqlite.event-store';
import { SqliteReadModelStore } from '../adapters/read-models/sqlite.read-model-store';
import { allProjections } from '../projections';
import { AttestationVerifier } from './attestations/attestation-verifier';
import { buildAttestations, SUBMISSION_SERVICE, SUBMISSION_WORKER } from './attestations/attestations.composition';
import { CLOCK, SystemClock } from './clock/system-clock';
import type { Config } from './config/config';
import { attestationRoutes } from './http/routes/attestations.routes';
import { auditRoutes } from './http/routes/audit.routes';
import { healthRoutes } from './http/routes/health.routes';
import { keysRoutes } from './http/routes/keys.routes';
import { signRoutes } from './http/routes/sign.routes';
import { verifyRoutes } from './http/routes/verify.routes';
import { buildLedger, LEDGER_CHECKPOINTER } from './ledger/ledger.composition';
import { loadLedgerConfig } from './ledger/ledger.config';
import { LOGGER, type Logger } from './observability/logger';
import { InstrumentedEventStore } from './observability/instrumented-event-store';
import { METRICS, Metrics } from './observability/metrics';
import { EVENT_STORE, type EventStore } from './ports/event-store';
import { READ_MODEL_STORE, type ReadModelStore } from './ports/read-model-store';
import { KEY_PROVIDERS } from './ports/key-provider';
import { OBJECT_STORE } from './ports/object-store';
import { ProjectionFeed } from './projections-runtime/projection-feed';
import { ProjectionRunner } from './projections-runtime/projection-runner';
import { buildSigning, KEY_SERVICE, SIGNING_SERVICE, VERIFICATION_SERVICE } from './signing/signing.composition';
import { loadSigningConfig } from './signing/signing.config';

export const CONFIG = Symbol('Config');
export const PROJECTION_RUNNERS = Symbol('ProjectionRunners');

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
 * which port. Everything is registered in a child container so that tests can
 * build several services in one process.
 */
export async function compose(config: Config, logger: Logger): Promise<Composition> {
  const container = rootContainer.createChildContainer();
  const metrics = new Metrics();
  const store = new InstrumentedEventStore(await openEventStore(config), metrics);
  const readModels: ReadModelStore = SqliteReadModelStore.open(config.readModelFile);
  const runners = allProjections.map(
    (p) =>
      new ProjectionRunner(store, readModels, p, (name, error) =>
        logger.error('projection stopped', { projection: name, error: error instanceof Error ? error.message : String(error) }),
      ),
  );

  container.registerInstance(CONFIG, config);
  container.registerInstance(LOGGER, logger);
  container.registerInstance(METRICS, metrics);
  const clock = new SystemClock();
  container.registerInstance(CLOCK, clock);
  container.registerInstance(EVENT_STORE, store);
  container.registerInstance(READ_MODEL_STORE, readModels);
  container.registerInstance(PROJECTION_RUNNERS, runners);

  const signing = buildSigning(loadSigningConfig(config.dataDir), store, clock, logger);
  container.registerInstance(KEY_SERVICE, signing.keys);
  container.registerInstance(SIGNING_SERVICE, signing.signing);
  container.registerInstance(VERIFICATION_SERVICE, signing.verification);
  container.registerInstance(KEY_PROVIDERS, signing.providers);
  container.registerInstance(OBJECT_STORE, signing.archive);

  const ledgerConfig = loadLedgerConfig();
  const ledger = buildLedger(ledgerConfig, store, signing, clock, (error) =>
    logger.error('ledger checkpoint failed', { error: error instanceof Error ? error.message : String(error) }),
  );
  container.registerInstance(LEDGER_CHECKPOINTER, ledger.checkpointer);
  if (ledgerConfig.checkpointIntervalMs > 0) ledger.checkpointer.start();

  const attestations = await buildAttestations(
    config,
    { store, readModels, archive: signing.archive, clock, logger, metrics },
    { startWorker: config.submissions.worker, retry: config.submissions.retry },
  );
  container.registerInstance(SUBMISSION_SERVICE, attestations.service);
  container.registerInstance(SUBMISSION_WORKER, attestations.worker);
  const verifier = new AttestationVerifier(store, readModels, signing.verification, () => attestations.trustedRoot(), clock, metrics);
  container.registerInstance(AttestationVerifier, verifier);

  // One subscription feeds every projection: the ledger is read and decoded once.
  const feed = new ProjectionFeed(store, runners);
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
