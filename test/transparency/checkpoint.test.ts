import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { formatCheckpointBody, openCheckpoint, parseCheckpointBody, signCheckpoint, type Checkpoint } from '../../domain/transparency/checkpoint';
import { rootFromLeaves } from '../../domain/transparency/merkle.tree';
import { cosignatureVerifierFor, cosignerFor, noteSignerFor, noteVerifierFor, rawEd25519 } from '../../domain/transparency/note-key';
import type { Result } from '../../domain/transparency/result';
import { BUNDLE_CASES, PUBLIC_GOOD_ROOT } from './vectors';

function unwrap<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

const checkpoint: Checkpoint = {
  origin: 'attestor.example/log',
  size: 3,
  rootHash: rootFromLeaves([Buffer.from('a'), Buffer.from('b'), Buffer.from('c')]),
  extensions: [],
};

test('a checkpoint body is origin, size and base64 root, one per line', (t) => {
  t.is(formatCheckpointBody(checkpoint), `attestor.example/log\n3\n${checkpoint.rootHash.toString('base64')}\n`);
  t.deepEqual(unwrap(parseCheckpointBody(formatCheckpointBody(checkpoint))), checkpoint);
});

test('extension lines survive parsing', (t) => {
  const withExt = { ...checkpoint, extensions: ['ext one', 'ext two'] };
  t.deepEqual(unwrap(parseCheckpointBody(formatCheckpointBody(withExt))), withExt);
});

test('a checkpoint signed by our log with Ed25519 opens with its verifier', (t) => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const envelope = unwrap(signCheckpoint(checkpoint, [unwrap(noteSignerFor(checkpoint.origin, privateKey))]));
  const opened = unwrap(openCheckpoint(envelope, [unwrap(noteVerifierFor(checkpoint.origin, publicKey))], { origin: checkpoint.origin }));
  t.deepEqual(opened.checkpoint, checkpoint);
});

test('a checkpoint signed with ECDSA P-256 opens with its verifier', (t) => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const envelope = unwrap(signCheckpoint(checkpoint, [unwrap(noteSignerFor('log.example', privateKey))]));
  t.true(openCheckpoint(envelope, [unwrap(noteVerifierFor('log.example', publicKey))]).ok);
});

test('a checkpoint for another origin is refused', (t) => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const envelope = unwrap(signCheckpoint(checkpoint, [unwrap(noteSignerFor('n', privateKey))]));
  t.false(openCheckpoint(envelope, [unwrap(noteVerifierFor('n', publicKey))], { origin: 'elsewhere.example' }).ok);
});

test('a checkpoint carrying only a witness cosignature is not the log\'s word', (t) => {
  const log = generateKeyPairSync('ed25519');
  const witness = generateKeyPairSync('ed25519');
  const envelope = unwrap(signCheckpoint(checkpoint, [unwrap(cosignerFor('w.example', witness.privateKey, 1))]));
  const logVerifier = unwrap(noteVerifierFor('n', log.publicKey));
  const witnessVerifier = unwrap(cosignatureVerifierFor('w.example', witness.publicKey));
  const opened = openCheckpoint(envelope, [logVerifier, witnessVerifier], { requireSignedBy: [logVerifier] });
  t.false(opened.ok);
});

test('checkpoints missing their size or root hash are malformed', (t) => {
  t.false(parseCheckpointBody('origin\n').ok);
  t.false(parseCheckpointBody('origin\n01\nAAAA\n').ok);
  t.false(parseCheckpointBody('origin\n1\nnot base64!\n').ok);
  t.false(parseCheckpointBody(`origin\n1\n${Buffer.alloc(31).toString('base64')}\n`).ok);
});

test('a real Rekor v1 checkpoint verifies with the log key, key ID SHA-256(DER SPKI)[:4]', (t) => {
  const bundle = JSON.parse(readFileSync(path.join(BUNDLE_CASES, 'happy-path-v0.3/bundle.sigstore.json'), 'utf8')) as {
    verificationMaterial: { tlogEntries: { inclusionProof: { checkpoint: { envelope: string } } }[] };
  };
  const root = JSON.parse(readFileSync(PUBLIC_GOOD_ROOT, 'utf8')) as { tlogs: { baseUrl: string; publicKey: { rawBytes: string } }[] };
  const rekor = root.tlogs.find((l) => l.baseUrl === 'https://rekor.sigstore.dev');
  const key = createPublicKey({ key: Buffer.from(rekor?.publicKey.rawBytes ?? '', 'base64'), format: 'der', type: 'spki' });
  const envelope = bundle.verificationMaterial.tlogEntries[0]?.inclusionProof.checkpoint.envelope ?? '';
  const opened = unwrap(openCheckpoint(envelope, [unwrap(noteVerifierFor('rekor.sigstore.dev', key))]));
  t.is(opened.checkpoint.origin, 'rekor.sigstore.dev - 2605736670972794746');
  t.is(opened.checkpoint.size, 75408393);
});

test('a Rekor v2 log ID is the full SHA-256 behind its checkpoint key ID', (t) => {
  const root = JSON.parse(readFileSync(path.join(BUNDLE_CASES, 'rekor2-happy-path/trusted_root.json'), 'utf8')) as {
    tlogs: { baseUrl: string; logId: { keyId: string }; publicKey: { rawBytes: string; keyDetails: string } }[];
  };
  const log = root.tlogs.find((l) => l.publicKey.keyDetails === 'PKIX_ED25519');
  if (!log) return t.fail('no Ed25519 log in the trusted root');
  const key = createPublicKey({ key: Buffer.from(log.publicKey.rawBytes, 'base64'), format: 'der', type: 'spki' });
  const host = new URL(log.baseUrl).host;
  const full = createHash('sha256').update(`${host}\n`).update(Buffer.of(0x01)).update(rawEd25519(key)).digest();
  t.is(full.toString('base64'), log.logId.keyId);
  t.deepEqual(unwrap(noteVerifierFor(host, key)).keyId, full.subarray(0, 4));
});
