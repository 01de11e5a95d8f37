import test from 'ava';
import fc from 'fast-check';
import { verifyConsistency } from '../../domain/transparency/merkle.consistency';
import { appendLeaf, EMPTY_FRONTIER, frontierRoot, type Frontier } from '../../domain/transparency/merkle.frontier';
import { emptyRoot, leafHash } from '../../domain/transparency/merkle.hash';
import { verifyInclusion } from '../../domain/transparency/merkle.inclusion';
import {
  consistencyProof,
  inclusionProof,
  rootFromLeaves,
  rootOf,
  subtreeHash,
  treeOfEntries,
  type TreeReader,
} from '../../domain/transparency/merkle.tree';

/** The eight leaves of the RFC 6962 reference tests (certificate-transparency `merkle_tree_test.cc`). */
const RFC6962_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((h) =>
  Buffer.from(h, 'hex'),
);

const entries = (n: number): Buffer[] => Array.from({ length: n }, (_, i) => Buffer.from(`entry-${i}`));

test('the empty tree has root SHA-256 of the empty string', (t) => {
  t.is(rootFromLeaves([]).toString('hex'), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  t.deepEqual(rootFromLeaves([]), emptyRoot());
});

test('the root of the RFC 6962 reference tree matches the published value', (t) => {
  t.is(rootFromLeaves(RFC6962_LEAVES).toString('hex'), '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328');
});

test('a tree of one leaf has the leaf hash as its root', (t) => {
  t.deepEqual(rootFromLeaves([Buffer.from('x')]), leafHash(Buffer.from('x')));
});

test('every inclusion proof built by the tree verifies against the tree root', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 130 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }))), ([n, index]) => {
      const tree = treeOfEntries(entries(n));
      const proof = inclusionProof(tree, index);
      return verifyInclusion({ leafIndex: index, treeSize: n, hashes: proof }, tree.leaf(index), rootOf(tree)).ok;
    }),
  );
  t.pass();
});

test('an inclusion proof does not verify for a different leaf', (t) => {
  const tree = treeOfEntries(entries(10));
  const proof = inclusionProof(tree, 3);
  t.false(verifyInclusion({ leafIndex: 3, treeSize: 10, hashes: proof }, tree.leaf(4), rootOf(tree)).ok);
});

test('every consistency proof built by the tree verifies between the two roots', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 130 }).chain((n) => fc.tuple(fc.integer({ min: 1, max: n }), fc.constant(n))), ([m, n]) => {
      const tree = treeOfEntries(entries(n));
      const proof = consistencyProof(tree, m, n);
      return verifyConsistency({ size1: m, size2: n, hashes: proof }, rootOf(tree, m), rootOf(tree, n)).ok;
    }),
  );
  t.pass();
});

test('a consistency proof fails when an old leaf was rewritten', (t) => {
  const old = treeOfEntries(entries(7));
  const rewritten = treeOfEntries([Buffer.from('forged'), ...entries(12).slice(1)]);
  const proof = consistencyProof(rewritten, 7, 12);
  t.false(verifyConsistency({ size1: 7, size2: 12, hashes: proof }, rootOf(old), rootOf(rewritten)).ok);
});

test('the frontier gives the same root as the full tree after every append', (t) => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 8 }), { maxLength: 70 }), (leaves) => {
      let frontier: Frontier = EMPTY_FRONTIER;
      for (let i = 0; i < leaves.length; i++) {
        frontier = appendLeaf(frontier, leafHash(leaves[i] as Uint8Array));
        if (!frontierRoot(frontier).equals(rootFromLeaves(leaves.slice(0, i + 1)))) return false;
      }
      return frontierRoot(frontier).equals(rootFromLeaves(leaves));
    }),
  );
  t.pass();
});

test('a store that caches full subtrees yields the same roots and proofs and reads fewer leaves', (t) => {
  const plain = treeOfEntries(entries(1000));
  let reads = 0;
  const cache = new Map<string, Buffer>();
  for (let level = 1; 2 ** level <= 1000; level++) {
    for (let i = 0; (i + 1) * 2 ** level <= 1000; i++) cache.set(`${level}/${i}`, subtreeHash(plain, i * 2 ** level, (i + 1) * 2 ** level));
  }
  const cached: TreeReader = {
    size: plain.size,
    leaf: (i) => {
      reads++;
      return plain.leaf(i);
    },
    node: (level, index) => cache.get(`${level}/${index}`),
  };
  t.deepEqual(rootOf(cached), rootOf(plain));
  t.deepEqual(inclusionProof(cached, 617), inclusionProof(plain, 617));
  t.deepEqual(consistencyProof(cached, 333, 1000), consistencyProof(plain, 333, 1000));
  t.true(reads < 50, `read ${reads} leaves`);
});

test('asking for a proof outside the tree throws a RangeError', (t) => {
  const tree = treeOfEntries(entries(4));
  t.throws(() => inclusionProof(tree, 4), { instanceOf: RangeError });
  t.throws(() => consistencyProof(tree, 5, 4), { instanceOf: RangeError });
});
