import { bytesEqual } from './bytes';
import type { BundleContent, TlogEntry } from './bundle';
import type { BundleSigner } from './bundle-signer';
import { openCheckpoint, type Checkpoint } from './checkpoint';
import { leafHash } from './merkle.hash';
import { rootFromInclusionProof } from './merkle.inclusion';
import { noteVerifierFor } from './note-key';
import { parseEntryBody } from './rekor-body';
import { verifyEntrySet } from './rekor-set';
import { fail, ok, type Result } from './result';
import { matchEntryBody, type VerifierKeyCache } from './tlog-body.match';
import { findTransparencyLog, type TransparencyLog, type TrustedRoot } from './trusted-root';
import { checkOf, type Check } from './verification-check';

/**
 * What a verifier of many bundles remembers between them
 * (tlog-verification.cache.ts): the outcome of work that depends only on its
 * inputs. Every check still runs for every entry; a cache only answers what
 * the function it is handed would answer.
 */
export interface TlogVerificationCache extends VerifierKeyCache {
  /** `verify(envelope, log)`, called only for a checkpoint note not seen before for this log. */
  checkpoint(envelope: string, log: TransparencyLog, verify: (envelope: string, log: TransparencyLog) => Result<Checkpoint>): Result<Checkpoint>;
}

/** What the checks of a bundle's tlog entries share: the same for every entry of one bundle. */
export interface TlogEntryContext {
  readonly trustedRoot: TrustedRoot;
  readonly content: BundleContent;
  readonly signer: Result<BundleSigner>;
  /** When the entry was made, per other evidence (TSA timestamps), for entries with no integrated time. */
  readonly fallbackTimes: readonly Date[];
  /** Verifications remembered from earlier bundles (`BundleBatchVerifier`); none: everything is computed. */
  readonly cache?: TlogVerificationCache | undefined;
}

/** Does the entry carry a SET over a real integrated time (Rekor v1), which then dates the entry? */
export function hasSet(entry: TlogEntry | undefined): boolean {
  return entry !== undefined && entry.signedEntryTimestamp !== undefined && entry.integratedTime > 0;
}

const OK = ok(undefined);
const ABSENT_PROOF = 'absent; a v0.1 bundle relies on the signed entry timestamp';

/**
 * Every check on one transparency-log entry, appended to `checks` under
 * `label` ("tlog" or "tlog[1]"), all of them run (none skipped because an
 * earlier one failed, unless it has nothing to work on) so a report names
 * every problem. The one implementation for `verifyBundle` and
 * `BundleBatchVerifier`: with `ctx.cache` the checkpoint signature and the
 * entry verifier's key are taken from earlier bundles when they were the same.
 */
export function verifyTlogEntry(checks: Check[], entry: TlogEntry, label: string, ctx: TlogEntryContext): void {
  const names = label === 'tlog' ? SINGLE_ENTRY_CHECK_NAMES : checkNames(label);

  const log = findTransparencyLog(ctx.trustedRoot, entry.logId, hasSet(entry) ? [new Date(entry.integratedTime * 1000)] : ctx.fallbackTimes);
  checks.push(checkOf(names['log-key'], log));

  const body = parseEntryBody(entry.canonicalizedBody, entry.kind, entry.version);
  if (!body.ok) checks.push(checkOf(names.body, body));
  else if (!ctx.signer.ok) checks.push(checkOf(names.body, fail(`cannot compare the entry's signer: ${ctx.signer.reason}`)));
  else checks.push(checkOf(names.body, matchEntryBody(body.value, ctx.content, ctx.signer.value, ctx.cache)));

  const proof = entry.inclusionProof;
  if (!proof) {
    checks.push(checkOf(names['inclusion-proof'], OK, ABSENT_PROOF));
  } else {
    const root = rootFromInclusionProof({ leafIndex: proof.logIndex, treeSize: proof.treeSize, hashes: proof.hashes }, leafHash(entry.canonicalizedBody));
    if (!root.ok) checks.push(checkOf(names['inclusion-proof'], root));
    else if (!bytesEqual(root.value, proof.rootHash)) checks.push(checkOf(names['inclusion-proof'], fail('proof does not lead from the entry to its root hash')));
    else checks.push(checkOf(names['inclusion-proof'], OK, `leaf ${proof.logIndex} of ${proof.treeSize}`));
  }

  if (proof?.checkpoint === undefined) {
    checks.push(checkOf(names.checkpoint, OK, ABSENT_PROOF));
  } else {
    const checkpoint = !log.ok
      ? fail<Checkpoint>('no trusted log key to check it with')
      : ctx.cache
        ? ctx.cache.checkpoint(proof.checkpoint, log.value, verifyLogCheckpoint)
        : verifyLogCheckpoint(proof.checkpoint, log.value);
    checks.push(checkOf(names.checkpoint, checkpoint));
    if (checkpoint.ok) {
      const cp = checkpoint.value;
      if (cp.size !== proof.treeSize) checks.push(checkOf(names['root-hash'], fail(`checkpoint is for size ${cp.size}, proof for ${proof.treeSize}`)));
      else if (!bytesEqual(cp.rootHash, proof.rootHash)) checks.push(checkOf(names['root-hash'], fail('checkpoint root hash differs from the proof root hash')));
      else checks.push(checkOf(names['root-hash'], OK, `size ${cp.size}`));
    } else {
      checks.push(checkOf(names['root-hash'], fail('no verified checkpoint to compare with')));
    }
  }

  if (!entry.signedEntryTimestamp) {
    checks.push(checkOf(names.set, OK, 'absent; the entry is proven by its inclusion proof'));
  } else if (!log.ok) {
    checks.push(checkOf(names.set, fail('no trusted log key to check it with')));
  } else if (verifyEntrySet(entry, entry.signedEntryTimestamp, log.value.publicKey)) {
    checks.push(checkOf(names.set, OK, `integrated at ${entry.integratedTime}`));
  } else {
    checks.push(checkOf(names.set, fail('signed entry timestamp does not verify')));
  }
}

/** A checkpoint note verified against the log's key from the trusted root; its tree size and root hash. */
export function verifyLogCheckpoint(envelope: string, log: TransparencyLog): Result<Checkpoint> {
  const verifier = noteVerifierFor(log.keyName, log.publicKey);
  if (!verifier.ok) return verifier;
  const opened = openCheckpoint(envelope, [verifier.value]);
  return opened.ok ? ok(opened.value.checkpoint) : opened;
}

type TlogCheckName = 'log-key' | 'body' | 'inclusion-proof' | 'checkpoint' | 'root-hash' | 'set';

function checkNames(label: string): Readonly<Record<TlogCheckName, string>> {
  return {
    'log-key': `${label}.log-key`,
    body: `${label}.body`,
    'inclusion-proof': `${label}.inclusion-proof`,
    checkpoint: `${label}.checkpoint`,
    'root-hash': `${label}.root-hash`,
    set: `${label}.set`,
  };
}

/** The check names of a bundle's only entry, made once rather than per bundle. */
const SINGLE_ENTRY_CHECK_NAMES = checkNames('tlog');
