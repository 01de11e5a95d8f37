import { join } from 'node:path';
import { RekorV1Log, RekorV2Log, trustFromTrustedRoot } from '../../adapters/rekor';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../../domain/attestations/retry-policy';
import type { Clock } from '../../domain/shared/clock';
import { KEY_REGISTRY, type KeyRegistryDocument } from '../../projections/key-registry/key-registry.projection';
import type { Config } from '../config/config';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { EventStore } from '../ports/event-store';
import type { ObjectStore } from '../ports/object-store';
import type { ReadModelStore } from '../ports/read-model-store';
import type { TransparencyLog } from '../ports/transparency-log';
import { startTlogServer, type RunningTlog } from '../tlog/tlog-server';
import { SubmissionWorker } from './submission-worker';
import { SubmissionService } from './submission.service';
import { loadLogConfigs, type LogConfig } from './transparency-logs.config';

export const SUBMISSION_SERVICE = Symbol('SubmissionService');
export const SUBMISSION_WORKER = Symbol('SubmissionWorker');

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
 * The logs, the submission service and its worker. With no `ATTESTOR_TLOGS`,
 * the service starts its own local transparency log on a loopback port (the
 * air-gapped default) and submits to it.
 */
export async function buildAttestations(
  config: Config,
  deps: { store: EventStore; readModels: ReadModelStore; archive: ObjectStore; clock: Clock; logger: Logger; metrics: Metrics },
  options: AttestationOptions,
): Promise<AttestationComponents> {
  let localLog: RunningTlog | null = null;
  let logConfigs = loadLogConfigs(config.transparencyLogs);
  if (!logConfigs) {
    localLog = await startTlogServer({ dir: join(config.dataDir, 'tlog'), name: 'tlog.attestor.local', host: '127.0.0.1', port: 0, logger: deps.logger });
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
      onRetry: () => deps.metrics.rekorRetry.inc({ log: c.name }),
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
    for (const { doc } of deps.readModels.listDocuments<KeyRegistryDocument>(KEY_REGISTRY)) {
      const version = doc.versions.find((v) => v.fingerprint === keyid);
      if (version) {
        known.set(keyid, version.publicKeyPem);
        return version.publicKeyPem;
      }
    }
    return null;
  };
  const service = new SubmissionService(
    deps.store,
    deps.archive,
    deps.clock,
    logConfigs.map((c) => ({ name: c.name, required: c.required })),
    lookupVerifier,
    options.retry ?? DEFAULT_RETRY_POLICY,
  );
  // The logs are fixed for the process's life: merge their trusted roots once.
  const mergedRoot = mergeTrustedRoots(logConfigs.map((c) => JSON.parse(c.trustedRoot) as Record<string, unknown>));
  const worker = new SubmissionWorker(deps.readModels, service, logs, deps.logger, deps.metrics, { pollIntervalMs: 250 });
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
