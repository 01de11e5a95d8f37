import { createHash, hash } from 'node:crypto';

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
  if (data.length >= LEAF_INPUT.length) return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
  LEAF_INPUT.set(data, 1);
  return hash('sha256', LEAF_INPUT.subarray(0, 1 + data.length), 'buffer');
}

/**
 * Reused input buffers for the one-shot `hash` (synchronous, so sharing them is
 * safe). Proof verification hashes one node per level, and a `createHash` chain
 * per node cost more than the rest of bundle verification's non-cryptographic
 * work together (docs/performance.md, verify).
 */
const LEAF_INPUT = Buffer.alloc(16 * 1024, 0x00);
const NODE_INPUT = Buffer.alloc(1 + 2 * HASH_SIZE, 0x01);

/** SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
  return Buffer.from(nodeHashLatin1(left, right), 'latin1');
}

/**
 * `nodeHash` over 32-byte hashes given as bytes or as latin1 strings (one
 * character per byte), answering a latin1 string. Climbing a proof in strings
 * avoids making a Buffer per level, which costs more than the hash itself.
 * Callers check that every hash is 32 bytes.
 */
export function nodeHashLatin1(left: Uint8Array | string, right: Uint8Array | string): string {
  put(left, 1);
  put(right, 1 + HASH_SIZE);
  return hash('sha256', NODE_INPUT, 'binary');
}

function put(h: Uint8Array | string, offset: number): void {
  if (typeof h === 'string') NODE_INPUT.write(h, offset, HASH_SIZE, 'latin1');
  else NODE_INPUT.set(h, offset);
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
