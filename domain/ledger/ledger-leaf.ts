import type { HashedContent } from '../events/event-hash';
import { canonicalEventContent } from '../events/event-hash';
import { leafHash, nodeHash } from '../transparency';

/** The leaf of the ledger tree for one event: SHA-256(0x00 ‖ canonical event bytes). */
export function ledgerLeafHash(event: HashedContent): Buffer {
  return leafHash(Buffer.from(canonicalEventContent(event), 'utf8'));
}

/**
 * Leaf hashes in one growing buffer (32 bytes each): a million events cost
 * 32 MB instead of a million small Buffer objects.
 */
export class LeafHashes {
  private buffer = Buffer.alloc(32 * 1024);
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(hash: Uint8Array): void {
    if ((this.count + 1) * 32 > this.buffer.length) {
      const bigger = Buffer.alloc(this.buffer.length * 2);
      this.buffer.copy(bigger, 0, 0, this.count * 32);
      this.buffer = bigger;
    }
    this.buffer.set(hash, this.count * 32);
    this.count++;
  }

  at(index: number): Buffer {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.count) throw new RangeError(`no leaf ${index} among ${this.count}`);
    return this.buffer.subarray(index * 32, index * 32 + 32);
  }

  /** A `TreeReader` over the first `size` leaves. */
  reader(size: number = this.count): { readonly size: number; leaf(index: number): Uint8Array } {
    return { size, leaf: (i) => this.at(i) };
  }
}

/**
 * A `TreeReader` over the first `size` leaves that also keeps the hash of
 * every full, aligned subtree, so proofs and roots cost O(log n) lookups after
 * one O(n) pass: what an export needs to prove many events.
 */
export function cachedTree(leaves: LeafHashes, size: number = leaves.size): { readonly size: number; leaf(i: number): Uint8Array; node(level: number, index: number): Uint8Array | undefined } {
  const levels: Buffer[] = [];
  let below: { count: number; at: (i: number) => Buffer } = { count: size, at: (i) => leaves.at(i) };
  while (below.count >= 2) {
    const count = Math.floor(below.count / 2);
    const level = Buffer.alloc(count * 32);
    for (let i = 0; i < count; i++) level.set(nodeHash(below.at(2 * i), below.at(2 * i + 1)), i * 32);
    levels.push(level);
    below = { count, at: (i) => level.subarray(i * 32, i * 32 + 32) };
  }
  return {
    size,
    leaf: (i) => {
      if (i >= size) throw new RangeError(`no leaf ${i} in a tree of size ${size}`);
      return leaves.at(i);
    },
    node: (level, index) => {
      if (level === 0) return index < size ? leaves.at(index) : undefined;
      const l = levels[level - 1];
      if (l === undefined || (index + 1) * 32 > l.length) return undefined;
      return l.subarray(index * 32, index * 32 + 32);
    },
  };
}
