import test from 'ava';
import { bundleFromJSON } from '@sigstore/bundle';
import { canonicalJson } from '../../domain/shared/canonical-json';
import {
  BUNDLE_V03_MEDIA_TYPE,
  bundleForDsse,
  parseBundle,
  rekorV1EntryFromResponse,
  tlogEntryFromRekorV1,
  tlogEntryFromRekorV2,
} from '../../domain/transparency';

const body = Buffer.from(canonicalJson({ apiVersion: '0.0.1', kind: 'dsse', spec: { payloadHash: { algorithm: 'sha256', value: '00'.repeat(32) }, signatures: [] } }));
const hex32 = (byte: string): string => byte.repeat(32);

function v1Entry(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    body: body.toString('base64'),
    integratedTime: 1_700_000_000,
    logID: hex32('ab'),
    logIndex: 42,
    verification: {
      signedEntryTimestamp: Buffer.from('set').toString('base64'),
      inclusionProof: { logIndex: 7, rootHash: hex32('cd'), treeSize: 9, hashes: [hex32('01'), hex32('02')], checkpoint: 'origin\n9\nroot\n\n— sig\n' },
    },
    ...overrides,
  };
}

test('a Rekor v1 LogEntry maps to the bundle form: kind/version from the body, hex to bytes, SET as inclusion promise', (t) => {
  const r = tlogEntryFromRekorV1(v1Entry());
  if (!r.ok) return t.fail(r.reason);
  const e = r.value;
  t.is(e.kind, 'dsse');
  t.is(e.version, '0.0.1');
  t.is(e.logIndex, 42);
  t.is(e.integratedTime, 1_700_000_000);
  t.deepEqual(e.logId, Buffer.from(hex32('ab'), 'hex'));
  t.deepEqual(e.signedEntryTimestamp, Buffer.from('set'));
  t.is(e.inclusionProof?.logIndex, 7, 'the shard-local proof index is kept apart from the virtual log index');
  t.deepEqual(e.inclusionProof?.rootHash, Buffer.from(hex32('cd'), 'hex'));
  t.deepEqual(e.inclusionProof?.hashes, [Buffer.from(hex32('01'), 'hex'), Buffer.from(hex32('02'), 'hex')]);
  t.is(e.inclusionProof?.checkpoint, 'origin\n9\nroot\n\n— sig\n');
  t.deepEqual(e.canonicalizedBody, body);
});

test('a Rekor v1 answer must hold exactly one entry under a UUID or entry ID', (t) => {
  const uuid = hex32('ef');
  t.true(rekorV1EntryFromResponse({ [uuid]: v1Entry() }).ok);
  const byEntryId = rekorV1EntryFromResponse({ [`${'0'.repeat(15)}1${uuid}`]: v1Entry() });
  t.is(byEntryId.ok ? byEntryId.value.uuid : '', uuid);
  t.false(rekorV1EntryFromResponse({}).ok);
  t.false(rekorV1EntryFromResponse({ [uuid]: v1Entry(), [hex32('aa')]: v1Entry() }).ok);
  t.false(rekorV1EntryFromResponse({ 'not-a-uuid': v1Entry() }).ok);
  t.false(rekorV1EntryFromResponse([v1Entry()]).ok);
});

test('malformed Rekor v1 fields are refused, not decoded leniently', (t) => {
  t.false(tlogEntryFromRekorV1(v1Entry({ logID: 'zz'.repeat(32) })).ok);
  t.false(tlogEntryFromRekorV1(v1Entry({ logID: 'ab' })).ok, 'a log ID is a SHA-256');
  t.false(tlogEntryFromRekorV1(v1Entry({ body: 'not base64!' })).ok);
  t.false(tlogEntryFromRekorV1(v1Entry({ body: Buffer.from('{}').toString('base64') })).ok, 'a body without kind/apiVersion');
  t.false(tlogEntryFromRekorV1(v1Entry({ logIndex: -1 })).ok);
});

function v2Entry(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const v2Body = Buffer.from(canonicalJson({ apiVersion: '0.0.2', kind: 'hashedrekord', spec: {} }));
  return {
    logIndex: '5',
    logId: { keyId: Buffer.alloc(32, 1).toString('base64') },
    kindVersion: { kind: 'hashedrekord', version: '0.0.2' },
    integratedTime: '0',
    inclusionProof: { logIndex: '5', rootHash: Buffer.alloc(32, 2).toString('base64'), treeSize: '6', hashes: [Buffer.alloc(32, 3).toString('base64')], checkpoint: { envelope: 'cp' } },
    canonicalizedBody: v2Body.toString('base64'),
    ...overrides,
  };
}

test('a Rekor v2 TransparencyLogEntry maps to the bundle form, int64 strings and base64 decoded', (t) => {
  const r = tlogEntryFromRekorV2(v2Entry());
  if (!r.ok) return t.fail(r.reason);
  t.is(r.value.logIndex, 5);
  t.is(r.value.integratedTime, 0);
  t.is(r.value.signedEntryTimestamp, undefined);
  t.is(r.value.inclusionProof?.treeSize, 6);
  t.is(r.value.inclusionProof?.checkpoint, 'cp');
});

test('a Rekor v2 entry whose kindVersion disagrees with its body, or that lacks a checkpoint, is refused', (t) => {
  t.false(tlogEntryFromRekorV2(v2Entry({ kindVersion: { kind: 'dsse', version: '0.0.2' } })).ok);
  const noCheckpoint = v2Entry();
  delete (noCheckpoint['inclusionProof'] as Record<string, unknown>)['checkpoint'];
  t.false(tlogEntryFromRekorV2(noCheckpoint).ok);
});

const envelope = {
  payload: Buffer.from('{"_type":"https://in-toto.io/Statement/v1"}').toString('base64'),
  payloadType: 'application/vnd.in-toto+json',
  signatures: [{ keyid: '', sig: Buffer.from('signature').toString('base64') }],
};

test('bundleForDsse writes a v0.3 bundle that both our parser and @sigstore/bundle accept', (t) => {
  const entry = tlogEntryFromRekorV1(v1Entry());
  if (!entry.ok) return t.fail(entry.reason);
  const bundle = bundleForDsse(envelope, entry.value, { publicKeyHint: 'my-key' });
  if (!bundle.ok) return t.fail(bundle.reason);
  t.is(bundle.value['mediaType'], BUNDLE_V03_MEDIA_TYPE);
  t.deepEqual(bundle.value['verificationMaterial'], {
    publicKey: { hint: 'my-key' },
    tlogEntries: [
      {
        logIndex: '42',
        logId: { keyId: Buffer.from(hex32('ab'), 'hex').toString('base64') },
        kindVersion: { kind: 'dsse', version: '0.0.1' },
        integratedTime: '1700000000',
        inclusionPromise: { signedEntryTimestamp: Buffer.from('set').toString('base64') },
        inclusionProof: {
          logIndex: '7',
          rootHash: Buffer.from(hex32('cd'), 'hex').toString('base64'),
          treeSize: '9',
          hashes: [Buffer.from(hex32('01'), 'hex').toString('base64'), Buffer.from(hex32('02'), 'hex').toString('base64')],
          checkpoint: { envelope: 'origin\n9\nroot\n\n— sig\n' },
        },
        canonicalizedBody: body.toString('base64'),
      },
    ],
  });
  t.deepEqual(bundle.value['dsseEnvelope'], { payload: envelope.payload, payloadType: envelope.payloadType, signatures: [{ sig: envelope.signatures[0]!.sig }] });
  t.true(parseBundle(bundle.value).ok);
  t.notThrows(() => bundleFromJSON(bundle.value));
});

test('bundleForDsse refuses what a v0.3 bundle cannot hold', (t) => {
  const entry = tlogEntryFromRekorV1(v1Entry());
  if (!entry.ok) return t.fail(entry.reason);
  t.false(bundleForDsse({ ...envelope, signatures: [...envelope.signatures, ...envelope.signatures] }, entry.value, { publicKeyHint: 'k' }).ok);
  const { inclusionProof: _dropped, ...withoutProof } = entry.value;
  t.false(bundleForDsse(envelope, withoutProof, { publicKeyHint: 'k' }).ok);
});
