import { emptyRoot, leafHash, nodeHash, splitPoint } from './merkle.hash';

/**
 * Building roots and proofs (RFC 6962 §2.1) for a log that keeps its own tree.
 * The functions read the tree through `TreeReader`, so the leaves can live in
 * memory, in SQLite or in tiles: a store that can also return cached hashes of
 * full subtrees (`node`) turns the O(n) walks below into O(log n) lookups.
 */
export interface TreeReader {
  /** Number of leaves. */
  readonly size: number;
  /** The leaf hash (already 0x00-prefixed and hashed) at `index`. */
  leaf(index: number): Uint8Array;
  /**
   * Optional cache: the hash of the full subtree covering leaves
   * [index·2^level, (index+1)·2^level), or undefined if not stored.
   */
  node?(level: number, index: number): Uint8Array | undefined;
}

/** A reader over leaf hashes held in memory. */
export function treeOfLeafHashes(leafHashes: readonly Uint8Array[]): TreeReader {
  return {
    size: leafHashes.length,
    leaf: (i) => {
      const h = leafHashes[i];
      if (h === undefined) throw new RangeError(`no leaf ${i} in a tree of size ${leafHashes.length}`);
      return h;
    },
  };
}

/** A reader over raw entries held in memory (hashes them as leaves once). */
export function treeOfEntries(entries: readonly Uint8Array[]): TreeReader {
  return treeOfLeafHashes(entries.map((e) => leafHash(e)));
}

/** MTH of the first `size` leaves (default: all of them). O(size) without a node cache. */
export function rootOf(tree: TreeReader, size: number = tree.size): Buffer {
  assertRange(tree, 0, size);
  return size === 0 ? emptyRoot() : subtreeHash(tree, 0, size);
}

/** Root over raw entries: the convenience form of `rootOf(treeOfEntries(entries))`. */
export function rootFromLeaves(entries: readonly Uint8Array[]): Buffer {
  return rootOf(treeOfEntries(entries));
}

/** PATH(index, D[0:size]): sibling hashes from the leaf up. */
export function inclusionProof(tree: TreeReader, index: number, size: number = tree.size): Buffer[] {
  assertRange(tree, 0, size);
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
    throw new RangeError(`leaf index ${index} is outside a tree of size ${size}`);
  }
  const proof: Buffer[] = [];
  pathInto(tree, index, 0, size, proof);
  return proof;
}

/** PROOF(size1, D[0:size2]): the RFC 6962 consistency proof between two sizes of the tree. */
export function consistencyProof(tree: TreeReader, size1: number, size2: number = tree.size): Buffer[] {
  assertRange(tree, 0, size2);
  if (!Number.isSafeInteger(size1) || size1 < 0 || size1 > size2) {
    throw new RangeError(`size1 ${size1} must be between 0 and size2 ${size2}`);
  }
  const proof: Buffer[] = [];
  if (size1 === 0 || size1 === size2) return proof;
  subproofInto(tree, size1, 0, size2, true, proof);
  return proof;
}

/** MTH(D[lo:hi]) for hi > lo. */
export function subtreeHash(tree: TreeReader, lo: number, hi: number): Buffer {
  const n = hi - lo;
  if (n === 1) return Buffer.from(tree.leaf(lo));
  const cached = cachedNode(tree, lo, n);
  if (cached) return Buffer.from(cached);
  const k = splitPoint(n);
  return nodeHash(subtreeHash(tree, lo, lo + k), subtreeHash(tree, lo + k, hi));
}

function cachedNode(tree: TreeReader, lo: number, n: number): Uint8Array | undefined {
  if (!tree.node) return undefined;
  const level = Math.log2(n);
  // Only full, aligned subtrees have a stable hash worth caching.
  if (!Number.isInteger(level) || lo % n !== 0) return undefined;
  return tree.node(level, lo / n);
}

function pathInto(tree: TreeReader, m: number, lo: number, hi: number, out: Buffer[]): void {
  const n = hi - lo;
  if (n <= 1) return;
  const k = splitPoint(n);
  if (m < k) {
    pathInto(tree, m, lo, lo + k, out);
    out.push(subtreeHash(tree, lo + k, hi));
  } else {
    pathInto(tree, m - k, lo + k, hi, out);
    out.push(subtreeHash(tree, lo, lo + k));
  }
}

function subproofInto(tree: TreeReader, m: number, lo: number, hi: number, complete: boolean, out: Buffer[]): void {
  const n = hi - lo;
  if (m === n) {
    // The old tree's root is a node of the new tree; it is only sent if the
    // verifier cannot already know it (i.e. it is not the whole old tree).
    if (!complete) out.push(subtreeHash(tree, lo, hi));
    return;
  }
  const k = splitPoint(n);
  if (m <= k) {
    subproofInto(tree, m, lo, lo + k, complete, out);
    out.push(subtreeHash(tree, lo + k, hi));
  } else {
    subproofInto(tree, m - k, lo + k, hi, false, out);
    out.push(subtreeHash(tree, lo, lo + k));
  }
}

function assertRange(tree: TreeReader, lo: number, hi: number): void {
  if (!Number.isSafeInteger(hi) || hi < lo || hi > tree.size) {
    throw new RangeError(`size ${hi} is outside a tree of ${tree.size} leaves`);
  }
}
