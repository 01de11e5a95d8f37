import test from 'ava';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { dsse } from '@sigstore/core';
import { pae, parseEnvelope } from '../../domain/signing/dsse-envelope';
import { verifyDsseSignature, verifyMessageSignature } from '../../domain/signing/signature-verification';
import { BUNDLE_CASES } from '../transparency/vectors';

const VECTORS = BUNDLE_CASES;

test('PAE matches the DSSE spec vector', (t) => {
  const expected = 'DSSEv1 29 http://example.com/HelloWorld 11 hello world';
  t.is(pae('http://example.com/HelloWorld', Buffer.from('hello world')).toString('utf8'), expected);
  t.is(dsse.preAuthEncoding('http://example.com/HelloWorld', Buffer.from('hello world')).toString('utf8'), expected);
});

test('PAE counts bytes, not characters', (t) => {
  t.is(pae('t', Buffer.from('é', 'utf8')).toString('utf8'), 'DSSEv1 1 t 2 é');
  t.is(pae('', Buffer.alloc(0)).toString('utf8'), 'DSSEv1 0  0 ');
});

interface Bundle {
  verificationMaterial: { certificate?: { rawBytes: string }; publicKey?: { hint: string } };
  messageSignature?: { messageDigest: { algorithm: string; digest: string }; signature: string };
  dsseEnvelope?: unknown;
}

const readBundle = (dir: string): Bundle => JSON.parse(readFileSync(path.join(dir, 'bundle.sigstore.json'), 'utf8')) as Bundle;

/** Managed-key cases (key.pub, or named managed-key-*): verify the message signature over the artifact with our code. */
const managed = existsSync(VECTORS) ? readdirSync(VECTORS).filter((d) => existsSync(path.join(VECTORS, d, 'key.pub')) || d.startsWith('managed-key')) : [];

test('the conformance vectors are present', (t) => {
  t.true(managed.length >= 2, `expected managed-key cases under ${VECTORS}`);
});

for (const name of managed) {
  const shouldFail = name.endsWith('_fail');
  test(`conformance ${name}: message signature ${shouldFail ? 'does not verify (no usable key)' : 'verifies with key.pub'}`, (t) => {
    const dir = path.join(VECTORS, name);
    const bundle = readBundle(dir);
    const artifactPath = existsSync(path.join(dir, 'artifact')) ? path.join(dir, 'artifact') : path.join(VECTORS, 'a.txt');
    const artifact = readFileSync(artifactPath);
    const keyPath = path.join(dir, 'key.pub');
    const ms = bundle.messageSignature;
    let valid = false;
    if (existsSync(keyPath) && ms !== undefined) {
      const digestMatches = ms.messageDigest.algorithm === 'SHA2_256' && createHash('sha256').update(artifact).digest().equals(Buffer.from(ms.messageDigest.digest, 'base64'));
      valid = digestMatches && verifyMessageSignature(artifact, Buffer.from(ms.signature, 'base64'), readFileSync(keyPath, 'utf8'));
    }
    t.is(valid, !shouldFail);
    if (!shouldFail) {
      // And the same signature must not verify over a different artifact.
      t.false(verifyMessageSignature(Buffer.concat([artifact, Buffer.from('x')]), Buffer.from(ms?.signature ?? '', 'base64'), readFileSync(keyPath, 'utf8')));
    }
  });
}

/**
 * DSSE cases signed by a certificate: the signature layer alone (our
 * verifyDsseSignature with the leaf's public key). Expected outcomes follow the
 * case READMEs: the `*mismatch-sig*` case has an envelope that is "valid in
 * isolation" — it fails only against its log entry.
 */
const DSSE_CASES: Record<string, boolean> = {
  'happy-path-intoto-in-dsse-v3': true,
  'rekor2-dsse-happy-path': true,
  'dsse-invalid-sig_fail': false,
  'rekor2-dsse-invalid-sig_fail': false,
  'rekor2-dsse-mismatch-sig_fail': true,
};

for (const [name, expected] of Object.entries(DSSE_CASES)) {
  test(`conformance ${name}: DSSE signature ${expected ? 'verifies' : 'fails'} with the certificate key`, (t) => {
    const dir = path.join(VECTORS, name);
    if (!existsSync(dir)) return t.fail(`missing vector ${dir}`);
    const bundle = readBundle(dir);
    const parsed = parseEnvelope(bundle.dsseEnvelope);
    if (!parsed.ok) return t.fail(parsed.reason);
    const raw = bundle.verificationMaterial.certificate?.rawBytes;
    if (raw === undefined) return t.fail('no certificate');
    const key = new X509Certificate(Buffer.from(raw, 'base64')).publicKey;
    const [signature] = parsed.envelope.signatures;
    if (signature === undefined) return t.fail('no signature');
    t.is(verifyDsseSignature(parsed.envelope, signature, key), expected);
    return undefined;
  });
}
