import { emptyRoot, nodeHash } from './merkle.hash';

/**
 * The right edge of an append-only Merkle tree: the roots of its full
 * subtrees, largest first (a "compact range" over [0, size)). Appending a leaf
 * and computing the root cost O(log n) and need no access to older leaves, so
 * a log can keep this in memory and produce a checkpoint after every batch.
 */
export interface Frontier {
  readonly size: number;
  /** Roots of full subtrees covering [0, size), left to right, sizes strictly decreasing powers of two. */
  readonly hashes: readonly Buffer[];
}

export const EMPTY_FRONTIER: Frontier = { size: 0, hashes: [] };

/** The frontier after appending one leaf hash. Pure: returns a new value. */
export function appendLeaf(frontier: Frontier, leafHash: Uint8Array): Frontier {
  const hashes = [...frontier.hashes];
  let carry: Buffer = Buffer.from(leafHash);
  // Each trailing 1-bit of the old size is a full subtree that now merges, like a binary carry.
  let size = frontier.size;
  while (size % 2 === 1) {
    const left = hashes.pop();
    if (left === undefined) throw new Error('frontier does not match its size');
    carry = nodeHash(left, carry);
    size = Math.floor(size / 2);
  }
  hashes.push(carry);
  return { size: frontier.size + 1, hashes };
}

/** MTH of the tree the frontier describes. */
export function frontierRoot(frontier: Frontier): Buffer {
  const { hashes } = frontier;
  const last = hashes[hashes.length - 1];
  if (last === undefined) return emptyRoot();
  let root = last;
  for (let i = hashes.length - 2; i >= 0; i--) root = nodeHash(hashes[i] as Buffer, root);
  return root;
}
