import test from 'ava';
import { verifyConsistency } from '../../domain/transparency/merkle.consistency';
import { verifyInclusion } from '../../domain/transparency/merkle.inclusion';
import { merkleVectors } from './vectors';

interface InclusionVector {
  leafIdx: number;
  treeSize: number;
  root: string | null;
  leafHash: string | null;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

interface ConsistencyVector {
  size1: number;
  size2: number;
  root1: string | null;
  root2: string | null;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

const b64 = (s: string | null): Buffer => Buffer.from(s ?? '', 'base64');

test('transparency-dev inclusion vectors: valid proofs accepted, wantErr proofs rejected', (t) => {
  const vectors = merkleVectors('inclusion');
  const wrong: string[] = [];
  for (const { name, json } of vectors) {
    const v = json as InclusionVector;
    const result = verifyInclusion({ leafIndex: v.leafIdx, treeSize: v.treeSize, hashes: (v.proof ?? []).map(b64) }, b64(v.leafHash), b64(v.root));
    if (result.ok === v.wantErr) wrong.push(`${name} (${v.desc}): ${result.ok ? 'accepted' : result.reason}`);
  }
  t.log(`${vectors.length - wrong.length}/${vectors.length} inclusion vectors pass`);
  t.true(vectors.length > 0);
  t.deepEqual(wrong, []);
});

test('transparency-dev consistency vectors: valid proofs accepted, wantErr proofs rejected', (t) => {
  const vectors = merkleVectors('consistency');
  const wrong: string[] = [];
  for (const { name, json } of vectors) {
    const v = json as ConsistencyVector;
    const result = verifyConsistency({ size1: v.size1, size2: v.size2, hashes: (v.proof ?? []).map(b64) }, b64(v.root1), b64(v.root2));
    if (result.ok === v.wantErr) wrong.push(`${name} (${v.desc}): ${result.ok ? 'accepted' : result.reason}`);
  }
  t.log(`${vectors.length - wrong.length}/${vectors.length} consistency vectors pass`);
  t.true(vectors.length > 0);
  t.deepEqual(wrong, []);
});
