import { bytesEqual } from './bytes';
import { HASH_SIZE, nodeHashLatin1 } from './merkle.hash';
import { fail, ok, type Result } from './result';

/**
 * Inclusion proofs (RFC 9162 §2.1.3.2). Sizes and indexes are plain numbers:
 * arithmetic stays exact up to 2^53, far beyond any log we will meet, and the
 * halving below uses division rather than `>>`, which would truncate to 32 bits.
 */
export interface InclusionProof {
  readonly leafIndex: number;
  readonly treeSize: number;
  /** Sibling hashes, from the leaf towards the root. */
  readonly hashes: readonly Uint8Array[];
}

/** Number of proof hashes for leaf `index` in a tree of `size` leaves (transparency-dev `decompInclProof`). */
export function inclusionProofLength(index: number, size: number): number {
  const inner = bitLength(xor(index, size - 1));
  const border = popCount(Math.floor(index / 2 ** inner));
  return inner + border;
}

/** The root that the proof leads to from `leaf`, or why it leads nowhere. */
export function rootFromInclusionProof(proof: InclusionProof, leaf: Uint8Array): Result<Buffer> {
  const { leafIndex, treeSize, hashes } = proof;
  if (!isIndex(leafIndex) || !isIndex(treeSize)) return fail('leaf index and tree size must be non-negative integers');
  if (leafIndex >= treeSize) return fail(`leaf index ${leafIndex} is outside a tree of size ${treeSize}`);
  if (leaf.length !== HASH_SIZE || hashes.some((h) => h.length !== HASH_SIZE)) return fail('hashes must be 32 bytes');
  const expected = inclusionProofLength(leafIndex, treeSize);
  if (hashes.length !== expected) return fail(`proof has ${hashes.length} hashes, expected ${expected}`);

  let fn = leafIndex;
  let sn = treeSize - 1;
  let r: Uint8Array | string = leaf;
  for (const p of hashes) {
    if (sn === 0) return fail('proof is longer than the path to the root');
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHashLatin1(p, r);
      // Climb past the levels where this node is a right-most node with no sibling.
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHashLatin1(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) return fail('proof is shorter than the path to the root');
  return ok(typeof r === 'string' ? Buffer.from(r, 'latin1') : Buffer.from(r));
}

/** Does `leaf` sit at `proof.leafIndex` of the tree whose root is `root`? */
export function verifyInclusion(proof: InclusionProof, leaf: Uint8Array, root: Uint8Array): Result<void> {
  const computed = rootFromInclusionProof(proof, leaf);
  if (!computed.ok) return computed;
  if (!bytesEqual(computed.value, root)) return fail('root computed from the inclusion proof does not match the expected root');
  return ok(undefined);
}

function isIndex(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/** XOR for non-negative safe integers (the `^` operator truncates to 32 bits). */
function xor(a: number, b: number): number {
  return Number(BigInt(a) ^ BigInt(b));
}

function bitLength(n: number): number {
  return n === 0 ? 0 : BigInt(n).toString(2).length;
}

function popCount(n: number): number {
  let count = 0;
  for (const c of BigInt(n).toString(2)) if (c === '1') count++;
  return count;
}
