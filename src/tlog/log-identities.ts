import { createHash, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { rawEd25519, noteSignerFor } from '../../domain/transparency/note-key';
import type { TlogStore } from '../ports/tlog-store';
import type { LogIdentity } from './local-log';

function signer(name: string, key: KeyObject): LogIdentity['checkpointSigner'] {
  const s = noteSignerFor(name, key);
  if (!s.ok) throw new Error(`log name ${JSON.stringify(name)}: ${s.reason}`);
  return s.value;
}

/**
 * Rekor v1 identity: ECDSA P-256; log ID = SHA-256(DER SPKI); checkpoint
 * origin `<name> - <treeID>`, signed under the key name `<name>`.
 */
export function rekorV1Identity(name: string, key: KeyObject, store: TlogStore): LogIdentity & { treeId: bigint } {
  let treeId = store.meta('tree_id');
  if (!treeId) {
    treeId = (randomBytes(8).readBigUInt64BE() >> 1n).toString();
    store.setMeta('tree_id', treeId);
  }
  const publicKey = createPublicKey(key);
  return {
    origin: `${name} - ${treeId}`,
    checkpointSigner: signer(name, key),
    logId: createHash('sha256').update(publicKey.export({ format: 'der', type: 'spki' })).digest(),
    publicKey,
    setKey: key,
    treeId: BigInt(treeId),
  };
}

/**
 * Rekor v2 identity: Ed25519; checkpoint origin `<name>`; log ID =
 * SHA-256(name ‖ 0x0A ‖ 0x01 ‖ raw key), whose first four bytes are the
 * checkpoint signature's key ID.
 */
export function rekorV2Identity(name: string, key: KeyObject): LogIdentity {
  const publicKey = createPublicKey(key);
  return {
    origin: name,
    checkpointSigner: signer(name, key),
    logId: createHash('sha256').update(name).update(Buffer.of(0x0a, 0x01)).update(rawEd25519(publicKey)).digest(),
    publicKey,
  };
}
