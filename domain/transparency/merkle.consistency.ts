import { bytesEqual } from './bytes';
import { HASH_SIZE, isPowerOfTwo, nodeHash } from './merkle.hash';
import { fail, ok, type Result } from './result';

/**
 * Consistency proofs (RFC 9162 §2.1.4.2): the tree of `size2` leaves extends
 * the tree of `size1` leaves without rewriting any of them. A witness or an
 * auditor checks one before trusting a newer checkpoint.
 */
export interface ConsistencyProof {
  readonly size1: number;
  readonly size2: number;
  readonly hashes: readonly Uint8Array[];
}

/**
 * Both roots the proof implies, starting from the older root. Size 0 is
 * refused: every tree extends the empty tree, so such a "proof" proves nothing
 * and callers (e.g. a witness seeing a log for the first time) must handle it
 * themselves, as transparency-dev's test vectors expect.
 */
export function rootsFromConsistencyProof(
  proof: ConsistencyProof,
  root1: Uint8Array,
): Result<{ readonly root1: Buffer; readonly root2: Buffer }> {
  const { size1, size2, hashes } = proof;
  if (!isSize(size1) || !isSize(size2)) return fail('tree sizes must be non-negative integers');
  if (size2 < size1) return fail(`size2 (${size2}) is smaller than size1 (${size1})`);
  if (size1 === 0) return fail('a consistency proof from the empty tree proves nothing');
  if (size1 === size2) {
    if (hashes.length > 0) return fail('trees of equal size need an empty proof');
    return ok({ root1: Buffer.from(root1), root2: Buffer.from(root1) });
  }
  if (hashes.length === 0) return fail('empty proof for trees of different sizes');
  if (hashes.some((h) => h.length !== HASH_SIZE) || root1.length !== HASH_SIZE) return fail('hashes must be 32 bytes');

  // When size1 is a power of two its root is itself a node on the path, so the
  // proof omits it and we put it back.
  const path = isPowerOfTwo(size1) ? [root1, ...hashes] : [...hashes];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  const [first, ...rest] = path;
  if (first === undefined) return fail('empty proof');
  let fr: Buffer = Buffer.from(first);
  let sr: Buffer = Buffer.from(first);
  for (const c of rest) {
    if (sn === 0) return fail('proof is longer than expected');
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) return fail('proof is shorter than expected');
  return ok({ root1: fr, root2: sr });
}

/** Is the tree (size2, root2) an append-only extension of (size1, root1)? */
export function verifyConsistency(proof: ConsistencyProof, root1: Uint8Array, root2: Uint8Array): Result<void> {
  const roots = rootsFromConsistencyProof(proof, root1);
  if (!roots.ok) return roots;
  if (!bytesEqual(roots.value.root1, root1)) return fail('proof does not lead to the older root');
  if (!bytesEqual(roots.value.root2, root2)) return fail(proof.size1 === proof.size2 ? 'trees of equal size have different roots' : 'proof does not lead to the newer root');
  return ok(undefined);
}

function isSize(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}
