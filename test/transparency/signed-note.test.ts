import { createHash, generateKeyPairSync, type KeyPairKeyObjectResult } from 'node:crypto';
import test from 'ava';
import {
  c2spKeyId,
  cosignatureVerifierFor,
  cosignerFor,
  noteSignerFor,
  noteVerifierFor,
  NoteSignatureType,
  rawEd25519,
  spkiKeyId,
  type NoteSigner,
  type NoteVerifier,
} from '../../domain/transparency/note-key';
import { formatVerifierKey, parseVerifierKey } from '../../domain/transparency/note-verifier-key';
import type { Result } from '../../domain/transparency/result';
import { addSignatures, formatSignedNote, parseSignedNote, signNote, verifySignedNote } from '../../domain/transparency/signed-note';

function unwrap<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

const ed25519 = (): KeyPairKeyObjectResult => generateKeyPairSync('ed25519');
const p256 = (): KeyPairKeyObjectResult => generateKeyPairSync('ec', { namedCurve: 'P-256' });

function pair(name: string, keys = ed25519()): { signer: NoteSigner; verifier: NoteVerifier } {
  return { signer: unwrap(noteSignerFor(name, keys.privateKey)), verifier: unwrap(noteVerifierFor(name, keys.publicKey)) };
}

const TEXT = 'example.com/log\n42\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';

test('a note signed by the Go reference implementation verifies with its verifier key', (t) => {
  // golang.org/x/mod/sumdb/note test data.
  const verifier = unwrap(parseVerifierKey('PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'));
  const text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
  const note = unwrap(parseSignedNote(`${text}\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`));
  t.true(verifySignedNote(note, [verifier]).ok);
});

test('an Ed25519 key ID is SHA-256(name, newline, 0x01, key) truncated to four bytes', (t) => {
  const keys = ed25519();
  const expected = createHash('sha256').update('log.example\n').update(Buffer.of(0x01)).update(rawEd25519(keys.publicKey)).digest().subarray(0, 4);
  t.deepEqual(unwrap(noteVerifierFor('log.example', keys.publicKey)).keyId, expected);
  t.deepEqual(c2spKeyId('log.example', NoteSignatureType.ed25519, rawEd25519(keys.publicKey)), expected);
});

test('an ECDSA key ID is SHA-256 of the DER public key truncated to four bytes, whatever the name', (t) => {
  const keys = p256();
  const expected = createHash('sha256').update(keys.publicKey.export({ format: 'der', type: 'spki' })).digest().subarray(0, 4);
  t.deepEqual(spkiKeyId(keys.publicKey), expected);
  t.deepEqual(unwrap(noteVerifierFor('a', keys.publicKey)).keyId, unwrap(noteVerifierFor('b', keys.publicKey)).keyId);
});

for (const [label, make] of [
  ['Ed25519', ed25519],
  ['ECDSA P-256', p256],
] as const) {
  test(`a note signed with ${label} round-trips through text and verifies`, (t) => {
    const { signer, verifier } = pair('log.example/a', make());
    const envelope = formatSignedNote(unwrap(signNote(TEXT, [signer])));
    const parsed = unwrap(parseSignedNote(envelope));
    t.is(parsed.text, TEXT);
    t.true(verifySignedNote(parsed, [verifier]).ok);
  });

  test(`a ${label} verifier key survives formatting and parsing`, (t) => {
    const keys = make();
    const verifier = unwrap(noteVerifierFor('log.example/a', keys.publicKey));
    const text = formatVerifierKey(verifier, keys.publicKey);
    const parsed = unwrap(parseVerifierKey(text));
    t.deepEqual(parsed.keyId, verifier.keyId);
    t.is(parsed.type, verifier.type);
    t.regex(text, /^log\.example\/a\+[0-9a-f]{8}\+/);
  });
}

test('a verifier key whose key ID does not match its key is refused', (t) => {
  const keys = ed25519();
  const text = formatVerifierKey(unwrap(noteVerifierFor('n', keys.publicKey)), keys.publicKey).replace(/\+[0-9a-f]{8}\+/, '+00000000+');
  t.false(parseVerifierKey(text).ok);
});

test('a note whose text was changed after signing is rejected', (t) => {
  const { signer, verifier } = pair('log.example/a');
  const note = unwrap(signNote(TEXT, [signer]));
  t.false(verifySignedNote({ ...note, text: TEXT.replace('42', '43') }, [verifier]).ok);
});

test('signatures from unknown keys are ignored', (t) => {
  const known = pair('log.example/a');
  const stranger = pair('stranger.example');
  const impostor = pair('log.example/a'); // same name, different key ID
  const note = unwrap(signNote(TEXT, [stranger.signer, impostor.signer, known.signer]));
  const verified = unwrap(verifySignedNote(note, [known.verifier]));
  t.is(verified.length, 1);
  t.is(verified[0]?.name, 'log.example/a');
});

test('a note signed only by unknown keys is rejected', (t) => {
  const note = unwrap(signNote(TEXT, [pair('stranger.example').signer]));
  t.false(verifySignedNote(note, [pair('log.example/a').verifier]).ok);
});

test('a bad signature from a known key rejects the whole note', (t) => {
  const { signer, verifier } = pair('log.example/a');
  const other = pair('other.example');
  const note = unwrap(signNote(TEXT, [signer, other.signer]));
  const forged = { ...note, signatures: note.signatures.map((s, i) => (i === 0 ? { ...s, signature: Buffer.alloc(64) } : s)) };
  t.false(verifySignedNote(forged, [verifier, other.verifier]).ok);
});

test('a witness cosignature (cosignature/v1) verifies and reports its timestamp', (t) => {
  const log = pair('log.example/a');
  const witnessKeys = ed25519();
  const cosigner = unwrap(cosignerFor('witness.example/w1', witnessKeys.privateKey, 1_700_000_000));
  const witness = unwrap(cosignatureVerifierFor('witness.example/w1', witnessKeys.publicKey));
  const note = addSignatures(unwrap(signNote(TEXT, [log.signer])), [cosigner]);
  const parsed = unwrap(parseSignedNote(formatSignedNote(note)));
  const verified = unwrap(verifySignedNote(parsed, [log.verifier, witness]));
  t.deepEqual(
    verified.map((v) => [v.name, v.type, v.timestamp]),
    [
      ['log.example/a', NoteSignatureType.ed25519, undefined],
      ['witness.example/w1', NoteSignatureType.cosignatureV1, 1_700_000_000],
    ],
  );
});

test('a cosignature key ID uses signature type 0x04, distinct from the same key as a log key', (t) => {
  const keys = ed25519();
  const asLog = unwrap(noteVerifierFor('w', keys.publicKey));
  const asWitness = unwrap(cosignatureVerifierFor('w', keys.publicKey));
  t.notDeepEqual(asLog.keyId, asWitness.keyId);
  t.deepEqual(asWitness.keyId, c2spKeyId('w', NoteSignatureType.cosignatureV1, rawEd25519(keys.publicKey)));
});

test('notes without a signature, without a final newline, or with control characters are malformed', (t) => {
  t.false(parseSignedNote(`${TEXT}\n`).ok);
  t.false(parseSignedNote(TEXT.slice(0, -1)).ok);
  t.false(parseSignedNote(`a\tb\n\n\u2014 n AAAAAAA=\n`).ok);
  t.false(parseSignedNote(`${TEXT}\n- n AAAAAAA=\n`).ok);
});

test('key names with spaces or plus signs cannot sign', (t) => {
  const keys = ed25519();
  t.false(noteSignerFor('a b', keys.privateKey).ok);
  t.false(noteSignerFor('a+b', keys.privateKey).ok);
});
