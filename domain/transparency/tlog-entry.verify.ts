import { bytesEqual } from './bytes';
import type { BundleContent, TlogEntry } from './bundle';
import type { BundleSigner } from './bundle-signer';
import { openCheckpoint, type Checkpoint } from './checkpoint';
import { leafHash } from './merkle.hash';
import { rootFromInclusionProof } from './merkle.inclusion';
import { noteVerifierFor } from './note-key';
import { parseEntryBody } from './rekor-body';
import { verifyEntrySet } from './rekor-set';
import type { Result } from './result';
import { matchEntryBody } from './tlog-body.match';
import { findTransparencyLog, type TransparencyLog, type TrustedRoot } from './trusted-root';
import type { Check } from './verification-check';

export interface TlogEntryContext {
  readonly trustedRoot: TrustedRoot;
  readonly content: BundleContent;
  readonly signer: Result<BundleSigner>;
  /** When the entry was made, per other evidence (TSA timestamps), for entries with no integrated time. */
  readonly fallbackTimes: readonly Date[];
  /** Prefix for check names, e.g. "tlog" or "tlog[1]". */
  readonly label: string;
}

/**
 * Every check on one transparency-log entry, all of them run (none skipped
 * because an earlier one failed, unless it has nothing to work on) so a
 * report names every problem.
 */
export function verifyTlogEntry(entry: TlogEntry, ctx: TlogEntryContext): Check[] {
  const checks: Check[] = [];
  const add = (name: string, result: Result<unknown> | { ok: true; note: string }): void => {
    const label = `${ctx.label}.${name}`;
    if ('note' in result) checks.push({ name: label, ok: true, reason: result.note });
    else checks.push(result.ok ? { name: label, ok: true } : { name: label, ok: false, reason: result.reason });
  };

  const hasIntegratedTime = entry.signedEntryTimestamp !== undefined && entry.integratedTime > 0;
  const times = hasIntegratedTime ? [new Date(entry.integratedTime * 1000)] : ctx.fallbackTimes;
  const log = findTransparencyLog(ctx.trustedRoot, entry.logId, times);
  add('log-key', log);

  const body = parseEntryBody(entry.canonicalizedBody, entry.kind, entry.version);
  if (!body.ok) add('body', body);
  else if (!ctx.signer.ok) add('body', { ok: false, reason: `cannot compare the entry's signer: ${ctx.signer.reason}` });
  else add('body', matchEntryBody(body.value, ctx.content, ctx.signer.value));

  const proof = entry.inclusionProof;
  if (!proof) {
    add('inclusion-proof', { ok: true, note: 'absent; a v0.1 bundle relies on the signed entry timestamp' });
  } else {
    const root = rootFromInclusionProof({ leafIndex: proof.logIndex, treeSize: proof.treeSize, hashes: proof.hashes }, leafHash(entry.canonicalizedBody));
    if (!root.ok) add('inclusion-proof', root);
    else if (!bytesEqual(root.value, proof.rootHash)) add('inclusion-proof', { ok: false, reason: 'proof does not lead from the entry to its root hash' });
    else add('inclusion-proof', { ok: true, note: `leaf ${proof.logIndex} of ${proof.treeSize}` });
  }

  if (proof?.checkpoint === undefined) {
    add('checkpoint', { ok: true, note: 'absent; a v0.1 bundle relies on the signed entry timestamp' });
  } else {
    const checkpoint = log.ok ? verifyLogCheckpoint(proof.checkpoint, log.value) : ({ ok: false, reason: 'no trusted log key to check it with' } as const);
    add('checkpoint', checkpoint);
    if (checkpoint.ok) {
      const cp = checkpoint.value;
      if (cp.size !== proof.treeSize) add('root-hash', { ok: false, reason: `checkpoint is for size ${cp.size}, proof for ${proof.treeSize}` });
      else if (!bytesEqual(cp.rootHash, proof.rootHash)) add('root-hash', { ok: false, reason: 'checkpoint root hash differs from the proof root hash' });
      else add('root-hash', { ok: true, note: `size ${cp.size}` });
    } else {
      add('root-hash', { ok: false, reason: 'no verified checkpoint to compare with' });
    }
  }

  if (!entry.signedEntryTimestamp) {
    add('set', { ok: true, note: 'absent; the entry is proven by its inclusion proof' });
  } else if (!log.ok) {
    add('set', { ok: false, reason: 'no trusted log key to check it with' });
  } else {
    add('set', verifyEntrySet(entry, entry.signedEntryTimestamp, log.value.publicKey) ? { ok: true, note: `integrated at ${entry.integratedTime}` } : { ok: false, reason: 'signed entry timestamp does not verify' });
  }
  return checks;
}

function verifyLogCheckpoint(envelope: string, log: TransparencyLog): Result<Checkpoint> {
  const verifier = noteVerifierFor(log.keyName, log.publicKey);
  if (!verifier.ok) return verifier;
  const opened = openCheckpoint(envelope, [verifier.value]);
  return opened.ok ? { ok: true, value: opened.value.checkpoint } : opened;
}
