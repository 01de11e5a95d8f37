import { createHash } from 'node:crypto';

/**
 * RFC 6962 §2.1 hashing. The 0x00/0x01 prefixes separate leaves from interior
 * nodes so that no leaf can be passed off as a subtree (second-preimage).
 */
export const HASH_SIZE = 32;

const LEAF_PREFIX = Buffer.of(0x00);
const NODE_PREFIX = Buffer.of(0x01);

/** MTH({}) = SHA-256(""), the root of the empty tree. */
export function emptyRoot(): Buffer {
  return createHash('sha256').digest();
}

/** MTH({d}) = SHA-256(0x00 ‖ d). A Rekor entry's leaf is its canonicalized body. */
export function leafHash(data: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

/** SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/** The largest power of two strictly smaller than n (n ≥ 2): RFC 6962's split point k. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export function isPowerOfTwo(n: number): boolean {
  return n > 0 && Number.isSafeInteger(n) && 2 ** Math.round(Math.log2(n)) === n;
}
