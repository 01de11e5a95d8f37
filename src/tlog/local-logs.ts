import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteTlogStore } from '../../adapters/tlog/sqlite.tlog-store';
import { LocalLog } from './local-log';
import { rekorV1Identity, rekorV2Identity } from './log-identities';
import { loadOrCreateLogKey } from './log-keys';
import { localTrustedRoot } from './trusted-root';

export interface LocalLogsOptions {
  /** Where the logs keep their SQLite files and keys (created if missing). */
  readonly dir: string;
  /** The log's name: checkpoint origin (v2), key name, and host of its base URL in the trusted root. */
  readonly name: string;
  readonly batchWindowMs?: number;
}

/** The pair of logs the local transparency log serves: a Rekor v1 log and a Rekor v2 log. */
export interface LocalLogs {
  readonly v1: LocalLog;
  readonly v2: LocalLog;
  trustedRoot(): Record<string, unknown>;
  close(): void;
}

export function openLocalLogs(options: LocalLogsOptions): LocalLogs {
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const v1Store = SqliteTlogStore.open(join(options.dir, 'rekor-v1.sqlite'));
  const v2Store = SqliteTlogStore.open(join(options.dir, 'rekor-v2.sqlite'));
  const validFrom = (store: SqliteTlogStore): string => {
    let at = store.meta('key_valid_from');
    if (!at) {
      // Whole seconds, a little in the past, so that entries integrated in the first second are covered.
      at = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000).toISOString().replace('.000Z', 'Z');
      store.setMeta('key_valid_from', at);
    }
    return at;
  };
  const v1From = validFrom(v1Store);
  const v2From = validFrom(v2Store);
  const logOptions = options.batchWindowMs === undefined ? {} : { batchWindowMs: options.batchWindowMs };
  const v1 = new LocalLog(v1Store, rekorV1Identity(options.name, loadOrCreateLogKey(join(options.dir, 'rekor-v1-ecdsa-p256.pem'), 'ecdsa-p256'), v1Store), logOptions);
  const v2 = new LocalLog(v2Store, rekorV2Identity(options.name, loadOrCreateLogKey(join(options.dir, 'rekor-v2-ed25519.pem'), 'ed25519')), logOptions);
  const baseUrl = `https://${options.name}`;
  return {
    v1,
    v2,
    trustedRoot: () =>
      localTrustedRoot([
        { log: v1, baseUrl, keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFrom: v1From },
        { log: v2, baseUrl, keyDetails: 'PKIX_ED25519', validFrom: v2From },
      ]),
    close() {
      v1Store.close();
      v2Store.close();
    },
  };
}
