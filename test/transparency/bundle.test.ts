import { createHash, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { canonicalJson } from '../../domain/shared/canonical-json';
import { BUNDLE_V03_MEDIA_TYPE, parseBundle, parseBundleJson, type Bundle } from '../../domain/transparency/bundle';
import { bundleToJson } from '../../domain/transparency/bundle.write';
import { verifyBundle } from '../../domain/transparency/bundle.verify';
import { signCheckpoint } from '../../domain/transparency/checkpoint';
import { leafHash } from '../../domain/transparency/merkle.hash';
import { verifyInclusion } from '../../domain/transparency/merkle.inclusion';
import { inclusionProof, rootOf, treeOfEntries } from '../../domain/transparency/merkle.tree';
import { noteSignerFor } from '../../domain/transparency/note-key';
import { entrySetPayloadBytes, entryUuid, setPayloadBytes, verifySet } from '../../domain/transparency/rekor-set';
import type { Result } from '../../domain/transparency/result';
import { firstFailure } from '../../domain/transparency/verification-check';
import { BUNDLE_CASES, PUBLIC_GOOD_ROOT } from './vectors';

function unwrap<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

const readCase = (name: string): string => readFileSync(path.join(BUNDLE_CASES, name, 'bundle.sigstore.json'), 'utf8');

for (const name of ['happy-path-v0.1', 'happy-path-v0.3', 'rekor2-dsse-happy-path', 'managed-key-happy-path']) {
  test(`bundle ${name} is written back as the proto-JSON it was read from`, (t) => {
    const original = JSON.parse(readCase(name)) as unknown;
    t.deepEqual(bundleToJson(unwrap(parseBundle(original))), original);
  });
}

test('writing a bundle omits default values, as proto-JSON does, without changing its meaning', (t) => {
  // This v0.2 bundle spells out an empty DSSE keyid.
  const bundle = unwrap(parseBundleJson(readCase('intoto-with-custom-trust-root')));
  const written = bundleToJson(bundle);
  t.false(JSON.stringify(written).includes('"keyid"'));
  t.deepEqual(unwrap(parseBundle(written)), bundle);
});

test('bundle versions are read from the media type', (t) => {
  t.is(unwrap(parseBundleJson(readCase('happy-path-v0.1'))).version, '0.1');
  t.is(unwrap(parseBundleJson(readCase('intoto-with-custom-trust-root'))).version, '0.2');
  t.is(unwrap(parseBundleJson(readCase('happy-path-v0.3'))).version, '0.3');
  t.is(unwrap(parseBundleJson(readCase('happy-path-v0.3-new-mediaType'))).mediaType, BUNDLE_V03_MEDIA_TYPE);
});

test('an invalid bundle is refused with the path of the bad field', (t) => {
  const result = parseBundleJson(readCase('bundle-invalid-base64-signature_fail'));
  t.false(result.ok);
  t.regex(result.ok ? '' : result.reason, /messageSignature\.signature/);
});

test('a Rekor v1 SET verifies over the canonical JSON of body, integratedTime, logID and logIndex', (t) => {
  const bundle = unwrap(parseBundleJson(readCase('happy-path-v0.3')));
  const entry = bundle.verificationMaterial.tlogEntries[0];
  if (!entry?.signedEntryTimestamp) return t.fail('no SET');
  const root = JSON.parse(readFileSync(PUBLIC_GOOD_ROOT, 'utf8')) as { tlogs: { publicKey: { rawBytes: string } }[] };
  const key = createPublicKey({ key: Buffer.from(root.tlogs[0]?.publicKey.rawBytes ?? '', 'base64'), format: 'der', type: 'spki' });
  const payload = { body: entry.canonicalizedBody.toString('base64'), integratedTime: entry.integratedTime, logID: entry.logId.toString('hex'), logIndex: entry.logIndex };
  t.regex(setPayloadBytes(payload).toString(), /^\{"body":"[^"]+","integratedTime":1710869186,"logID":"c0d23d6a[0-9a-f]+","logIndex":79571823\}$/);
  t.true(verifySet(payload, entry.signedEntryTimestamp, key));
  t.deepEqual(entrySetPayloadBytes(entry), setPayloadBytes(payload), 'the payload written from the decoded entry is the same bytes');
  t.false(verifySet({ ...payload, integratedTime: payload.integratedTime + 1 }, entry.signedEntryTimestamp, key));
});

test('an entry UUID is the hex leaf hash of its canonical body', (t) => {
  const body = Buffer.from('{"apiVersion":"0.0.1"}');
  t.is(entryUuid(body), createHash('sha256').update(Buffer.of(0)).update(body).digest('hex'));
});

/**
 * A whole round trip through our own pieces: a Rekor-v1-style log built with
 * our tree functions, a checkpoint and SET signed with our signers, a bundle
 * written by `bundleToJson`, verified by `verifyBundle`.
 */
function localLogBundle(): { json: Record<string, unknown>; trustedRoot: unknown; artifact: Buffer; publicKeyPem: string; bundle: Bundle } {
  const log = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signer = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const logSpki = log.publicKey.export({ format: 'der', type: 'spki' });
  const logId = createHash('sha256').update(logSpki).digest();
  const artifact = Buffer.from('hello, attestor\n');
  const signature = sign('sha256', artifact, signer.privateKey);
  const publicKeyPem = signer.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  const body = Buffer.from(
    canonicalJson({
      apiVersion: '0.0.1',
      kind: 'hashedrekord',
      spec: {
        data: { hash: { algorithm: 'sha256', value: createHash('sha256').update(artifact).digest('hex') } },
        signature: { content: signature.toString('base64'), publicKey: { content: Buffer.from(publicKeyPem).toString('base64') } },
      },
    }),
  );
  const entries = [...Array.from({ length: 5 }, (_, i) => Buffer.from(`other-${i}`)), body, Buffer.from('later')];
  const tree = treeOfEntries(entries);
  const index = 5;
  const rootHash = rootOf(tree);
  const checkpoint = unwrap(
    signCheckpoint({ origin: 'log.attestor.test - 1', size: tree.size, rootHash, extensions: [] }, [unwrap(noteSignerFor('log.attestor.test', log.privateKey))]),
  );
  const integratedTime = 1_750_000_000;
  const set = sign('sha256', setPayloadBytes({ body: body.toString('base64'), integratedTime, logID: logId.toString('hex'), logIndex: index }), log.privateKey);
  const bundle: Bundle = {
    mediaType: BUNDLE_V03_MEDIA_TYPE,
    version: '0.3',
    verificationMaterial: {
      content: { $case: 'publicKey', hint: 'attestor-test' },
      tlogEntries: [
        {
          logIndex: index,
          logId,
          kind: 'hashedrekord',
          version: '0.0.1',
          integratedTime,
          signedEntryTimestamp: set,
          inclusionProof: { logIndex: index, rootHash, treeSize: tree.size, hashes: inclusionProof(tree, index), checkpoint },
          canonicalizedBody: body,
        },
      ],
      rfc3161Timestamps: [],
    },
    content: {
      $case: 'messageSignature',
      messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: createHash('sha256').update(artifact).digest() }, signature },
    },
  };
  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: 'https://log.attestor.test',
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: logSpki.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: '2025-01-01T00:00:00Z' } },
        logId: { keyId: logId.toString('base64') },
      },
    ],
    certificateAuthorities: [],
    ctlogs: [],
    timestampAuthorities: [],
  };
  return { json: bundleToJson(bundle), trustedRoot, artifact, publicKeyPem, bundle };
}

test('a bundle written from our own log verifies with the log in the trusted root', (t) => {
  const { json, trustedRoot, artifact, publicKeyPem, bundle } = localLogBundle();
  const entry = bundle.verificationMaterial.tlogEntries[0];
  const proof = entry?.inclusionProof;
  if (!entry || !proof) return t.fail('no entry');
  t.true(verifyInclusion({ leafIndex: proof.logIndex, treeSize: proof.treeSize, hashes: proof.hashes }, leafHash(entry.canonicalizedBody), proof.rootHash).ok);
  const verdict = verifyBundle(json, { trustedRoot, artifact, publicKey: createPublicKey(publicKeyPem) });
  t.deepEqual(firstFailure(verdict), undefined);
  t.true(verdict.verified);
});

test('the same bundle is rejected for another artifact', (t) => {
  const { json, trustedRoot, publicKeyPem } = localLogBundle();
  const verdict = verifyBundle(json, { trustedRoot, artifact: Buffer.from('something else'), publicKey: createPublicKey(publicKeyPem) });
  t.false(verdict.verified);
  t.true(verdict.checks.some((c) => c.name === 'artifact' && !c.ok));
});

test('the same bundle is rejected once its log key has expired before the entry was integrated', (t) => {
  const { json, trustedRoot, artifact, publicKeyPem } = localLogBundle();
  const root = trustedRoot as { tlogs: { publicKey: { validFor: { start: string; end?: string } } }[] };
  const expired = { ...root, tlogs: root.tlogs.map((l) => ({ ...l, publicKey: { ...l.publicKey, validFor: { start: '2020-01-01T00:00:00Z', end: '2021-01-01T00:00:00Z' } } })) };
  const verdict = verifyBundle(json, { trustedRoot: expired, artifact, publicKey: createPublicKey(publicKeyPem) });
  t.is(firstFailure(verdict)?.name, 'tlog.log-key');
});

test('names that exist on Object.prototype are refused as media types and digest algorithms, not looked up there', (t) => {
  const json = JSON.parse(readCase('happy-path-v0.3')) as { mediaType: string; messageSignature: { messageDigest: { algorithm: string } } };
  t.false(parseBundle({ ...json, mediaType: 'constructor' }).ok);
  json.messageSignature.messageDigest.algorithm = 'constructor';
  const trustedRoot = readFileSync(PUBLIC_GOOD_ROOT, 'utf8');
  const verdict = verifyBundle(json, { trustedRoot, artifact: readFileSync(path.join(BUNDLE_CASES, 'a.txt')) });
  t.false(verdict.verified);
  t.regex(firstFailure(verdict)?.reason ?? '', /unsupported message digest algorithm constructor/);
});
