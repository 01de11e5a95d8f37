import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';

export type LogKeyType = 'ed25519' | 'ecdsa-p256';

/**
 * A log's signing key as a PEM file beside its data, created on first start
 * with mode 0600. A key file others can read is refused: whoever reads it can
 * forge the log's checkpoints.
 */
export function loadOrCreateLogKey(file: string, type: LogKeyType): KeyObject {
  if (existsSync(file)) {
    const mode = statSync(file).mode & 0o777;
    if (mode & 0o077) {
      throw new Error(`log key ${file} is readable by others (mode ${mode.toString(8)}): chmod 600 it`);
    }
    return createPrivateKey(readFileSync(file));
  }
  const { privateKey } =
    type === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return privateKey;
}
