import { join } from 'node:path';
import { RekorV1Log, RekorV2Log, trustFromTrustedRoot } from '../../adapters/rekor';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../../domain/attestations/retry-policy';
import type { LogTarget } from '../../domain/attestations/log-target';
import { KEY_REGISTRY, type KeyRegistryDocument } from '../../projections/key-registry/key-registry.projection';
import type { Config } from '../config/config';
import type { DependencyContainer } from '../injection';
import { LOGGER, type Logger } from '../observability/logger';
import { METRICS, type Metrics } from '../observability/metrics';
import { READ_MODEL_STORE, type ReadModelStore } from '../ports/read-model-store';
import { TRANSPARENCY_LOGS, type TransparencyLog } from '../ports/transparency-log';
import { TRUSTED_ROOT } from './attestation-verifier';
import { startTlogServer, type RunningTlog } from '../tlog/tlog-server';
import { SubmissionWorker, WORKER_OPTIONS, type WorkerOptions } from './submission-worker';
import { LOG_TARGETS, RETRY_POLICY, SubmissionService, VERIFIER_LOOKUP, type VerifierLookup } from './submission.service';
import { loadLogConfigs, type LogConfig } from './transparency-logs.config';

export interface AttestationComponents {
  readonly service: SubmissionService;
  readonly worker: SubmissionWorker;
  readonly logs: ReadonlyMap<string, TransparencyLog>;
  readonly logConfigs: readonly LogConfig[];
  /** The embedded local log, when no external log is configured. */
  readonly localLog: RunningTlog | null;
  /** A Sigstore trusted root listing every configured log's key: what offline verifiers need. */
  trustedRoot(): Record<string, unknown>;
  close(): Promise<void>;
}

export interface AttestationOptions {
  readonly startWorker: boolean;
  readonly retry?: RetryPolicy;
}

/**
 * The logs, the submission service and its worker, resolved from `container`
 * (which holds the event store, clock, archive, read models, logger and
 * metrics). With no `ATTESTOR_TLOGS`, the service starts its own local
 * transparency log on a loopback port (the air-gapped default) and submits to it.
 */
export async function buildAttestations(config: Config, container: DependencyContainer, options: AttestationOptions): Promise<AttestationComponents> {
  const logger = container.resolve<Logger>(LOGGER);
  const metrics = container.resolve<Metrics>(METRICS);
  const readModels = container.resolve<ReadModelStore>(READ_MODEL_STORE);
  let localLog: RunningTlog | null = null;
  let logConfigs = loadLogConfigs(config.transparencyLogs);
  if (!logConfigs) {
    localLog = await startTlogServer({ dir: join(config.dataDir, 'tlog'), name: 'tlog.attestor.local', host: '127.0.0.1', port: 0, logger: logger });
    const trustedRoot = JSON.stringify(localLog.logs.trustedRoot());
    logConfigs = [{ name: 'local', api: 'v1', url: localLog.url, required: true, trustedRoot }];
  }
  const logs = new Map<string, TransparencyLog>();
  for (const c of logConfigs) {
    const trust = trustFromTrustedRoot(c.trustedRoot, { api: c.api });
    const options = {
      url: c.url,
      trust,
      id: c.name,
      onRetry: () => metrics.rekorRetry.inc({ log: c.name }),
      ...(c.timeoutMs === undefined ? {} : { timeoutMs: c.timeoutMs }),
      ...(c.breakerResetMs === undefined ? {} : { breaker: { resetTimeoutMs: c.breakerResetMs } }),
    };
    logs.set(c.name, c.api === 'v1' ? new RekorV1Log(options) : new RekorV2Log(options));
  }
  // A fingerprint names one key material for ever, so a found key can be remembered.
  const known = new Map<string, string>();
  const lookupVerifier = (keyid: string): string | null => {
    if (!keyid) return null;
    const cached = known.get(keyid);
    if (cached) return cached;
    for (const { doc } of readModels.listDocuments<KeyRegistryDocument>(KEY_REGISTRY)) {
      const version = doc.versions.find((v) => v.fingerprint === keyid);
      if (version) {
        known.set(keyid, version.publicKeyPem);
        return version.publicKeyPem;
      }
    }
    return null;
  };
  container.registerInstance<readonly LogTarget[]>(LOG_TARGETS, logConfigs.map((c) => ({ name: c.name, required: c.required })));
  container.registerInstance<VerifierLookup>(VERIFIER_LOOKUP, lookupVerifier);
  container.registerInstance<RetryPolicy>(RETRY_POLICY, options.retry ?? DEFAULT_RETRY_POLICY);
  container.registerInstance<ReadonlyMap<string, TransparencyLog>>(TRANSPARENCY_LOGS, logs);
  container.registerInstance<WorkerOptions>(WORKER_OPTIONS, { pollIntervalMs: 250 });
  // The logs are fixed for the process's life: merge their trusted roots once.
  const mergedRoot = mergeTrustedRoots(logConfigs.map((c) => JSON.parse(c.trustedRoot) as Record<string, unknown>));
  container.registerInstance<() => Record<string, unknown>>(TRUSTED_ROOT, () => mergedRoot);
  container.registerSingleton(SubmissionService);
  container.registerSingleton(SubmissionWorker);
  const service = container.resolve(SubmissionService);
  const worker = container.resolve(SubmissionWorker);
  if (options.startWorker) worker.start();
  return {
    service,
    worker,
    logs,
    logConfigs,
    localLog,
    trustedRoot: () => mergedRoot,
    async close() {
      await worker.stop();
      for (const log of logs.values()) (log as { close?: () => void }).close?.();
      await localLog?.close();
    },
  };
}

/** One trusted root holding the logs of several (other authorities are kept from the first). */
function mergeTrustedRoots(roots: readonly Record<string, unknown>[]): Record<string, unknown> {
  const [first] = roots;
  const seen = new Set<string>();
  const tlogs = roots
    .flatMap((r) => (Array.isArray(r['tlogs']) ? (r['tlogs'] as Record<string, unknown>[]) : []))
    .filter((t) => {
      const id = JSON.stringify(t['logId']);
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
  return { ...first, tlogs };
}
