import test from 'ava';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { pinProblem, type LedgerKeyPin } from '../../domain/ledger/ledger-key-pin';
import { parseTrust } from '../../src/kit/kit-trust';
import { verifyKit } from '../../src/kit/kit-verify';
import { loadKey } from '../../src/signing/key-stream';
import { tempDir } from '../support/temp-dir';
import { forgeKit, signerOf } from './helpers/forge-kit';
import { ledgerFixture, populate } from './helpers/ledger-fixture';

const trustOf = (ledgerKeys: (string | LedgerKeyPin)[]): Parameters<typeof verifyKit>[1] => ({
  trust: { ledgerKeys: ledgerKeys.map((k) => (typeof k === 'string' ? { fingerprint: k } : k)), logVerifiers: [], source: 'trust.json' },
});

test('a forger without the ledger key who keeps the pinned fingerprint but swaps in their own public key is caught', async (t) => {
  const f = ledgerFixture();
  t.teardown(() => f.close());
  await populate(f);
  await f.checkpointer.checkpointNow();
  await populate(f, 1);
  const dir = tempDir(t);
  const kit = await f.exportTo(join(dir, 'kit.tar'));
  const realFingerprint = (await f.ledgerKey.current()).fingerprint;
  t.true((await verifyKit(kit.file, trustOf([realFingerprint]))).ok, 'the genuine kit verifies with the pin');

  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  await forgeKit(kit.file, join(dir, 'forged.tar'), {
    publicKey,
    sign: signerOf(privateKey),
    manifestKeyid: realFingerprint,
    mutateEvent: (e) => {
      if (e.stream === 'key-ledger' && e.type === 'KeyVersionActivated') return { ...e, data: { ...(e.data as object), publicKeyPem: pem } };
      if (e.stream === 'thing-one' && e.revision === 0n) return { ...e, data: { forged: 'history rewritten' } };
      return undefined;
    },
    mutateKeysFile: (k) => ({ keys: k.keys.map((x) => (x.keyId === 'ledger' ? { ...x, versions: x.versions.map((v) => ({ ...v, publicKeyPem: pem })) } : x)) }),
  });
  const report = await verifyKit(join(dir, 'forged.tar'), trustOf([realFingerprint]));
  t.false(report.ok);
});

test('the holder of a revoked ledger key version cannot re-sign history after the revocation by back-dating checkpoints', async (t) => {
  const f = ledgerFixture();
  t.teardown(() => f.close());
  await populate(f);
  const first = await f.checkpointer.checkpointNow();
  const v1 = (await loadKey(f.store, 'ledger')).state;
  if (!v1.exists) throw new Error('no ledger key');
  const version1 = v1.versions[0]!;
  f.clock.advance(3_600_000);
  await f.keys.rotate('ledger');
  f.clock.advance(1000);
  await f.keys.revoke('ledger', { version: 1, reason: 'compromised' });
  f.clock.advance(1000);
  await populate(f, 1);
  const dir = tempDir(t);
  const kit = await f.exportTo(join(dir, 'kit.tar'));
  const now = (await loadKey(f.store, 'ledger')).state;
  const pins = now.exists ? now.versions.map((v) => v.fingerprint) : [];
  t.true((await verifyKit(kit.file, trustOf(pins))).ok, 'the genuine kit verifies with both versions pinned');

  await forgeKit(kit.file, join(dir, 'forged.tar'), {
    publicKey: createPublicKey(version1.publicKeyPem),
    sign: (bytes) => f.providers.get('file').sign(version1.providerRef, bytes),
    manifestKeyid: version1.fingerprint,
    checkpointData: { keyVersion: 1, fingerprint: version1.fingerprint, keyRevision: first.data.keyRevision, signedAt: first.data.signedAt },
    mutateEvent: (e) => (e.stream === 'thing-one' && e.revision === 6n ? { ...e, data: { forged: 'after the revocation' } } : undefined),
  });
  const report = await verifyKit(join(dir, 'forged.tar'), trustOf(pins));
  t.false(report.ok);
  t.true(report.failures.some((f) => /back-dated/.test(f)), report.failures.join('; '));
});

test('ledger pins added to a bare trusted root are honoured, not dropped', (t) => {
  const trust = parseTrust({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1', tlogs: [], ledgerKeys: ['a'.repeat(64)] }, 'trust.json');
  t.deepEqual(trust.ledgerKeys, [{ fingerprint: 'a'.repeat(64) }]);
});

test('a pinned ledger key signs only within its window: a checkpoint dated after the pin ends is refused', async (t) => {
  const f = ledgerFixture();
  t.teardown(() => f.close());
  await populate(f);
  const checkpoint = await f.checkpointer.checkpointNow();
  const dir = tempDir(t);
  const kit = await f.exportTo(join(dir, 'kit.tar'));
  const fingerprint = (await f.ledgerKey.current()).fingerprint;
  const signedAt = Date.parse(checkpoint.data.signedAt);
  const at = (ms: number): string => new Date(signedAt + ms).toISOString();

  t.true((await verifyKit(kit.file, trustOf([{ fingerprint, validFor: { start: at(-60_000), end: at(60_000) } }]))).ok, 'a window around the signing');
  t.true((await verifyKit(kit.file, trustOf([{ fingerprint, validFor: { start: at(-60_000) } }]))).ok, 'a window with no end');

  // The operator revoked the key a minute before this checkpoint and ended its pin there.
  const report = await verifyKit(kit.file, trustOf([{ fingerprint, validFor: { end: at(-60_000) } }]));
  t.false(report.ok);
  t.true(report.failures.some((m) => /pinned only for … to .*not for a signature made at/.test(m)), report.failures.join('; '));
});

test('trust files give ledger pins as fingerprints or as {fingerprint, validFor}, and refuse malformed windows with the reason', (t) => {
  const fp = 'b'.repeat(64);
  const trust = parseTrust({ ledgerKeys: [fp, { fingerprint: fp, validFor: { start: '2026-01-01T00:00:00Z', end: '2026-06-01T00:00:00Z' } }] }, 'trust.json');
  t.deepEqual(trust.ledgerKeys, [{ fingerprint: fp }, { fingerprint: fp, validFor: { start: '2026-01-01T00:00:00Z', end: '2026-06-01T00:00:00Z' } }]);
  t.throws(() => parseTrust({ ledgerKeys: [{ fingerprint: fp, validFor: { end: 'yesterday' } }] }, 'trust.json'), { message: /RFC 3339/ });
  t.throws(() => parseTrust({ ledgerKeys: [{ fingerprint: fp, validFor: { start: '2026-06-01T00:00:00Z', end: '2026-01-01T00:00:00Z' } }] }, 'trust.json'), { message: /start is after/ });
  t.throws(() => parseTrust({ ledgerKeys: [{ fingerprint: fp, validFor: { start: '2026-06-01T00:00:00.0009Z' } }] }, 'trust.json'), { message: /to the millisecond/ });
});

test('a pin ends where revocation begins: a signature made at the end instant is outside the window', (t) => {
  const fp = 'c'.repeat(64);
  const pins = [{ fingerprint: fp, validFor: { start: '2026-01-01T00:00:00+01:00', end: '2026-11-20T09:14:00Z' } }];
  t.is(pinProblem(pins, fp, '2026-11-20T09:13:59.999Z'), undefined);
  t.regex(pinProblem(pins, fp, '2026-11-20T09:14:00.000Z') ?? '', /pinned only for .* \(end excluded\)/);
  t.is(pinProblem(pins, fp, '2025-12-31T23:00:00.000Z'), undefined, 'the start is inclusive, offsets honoured');
  t.regex(pinProblem(pins, fp, '2025-12-31T22:59:59.999Z') ?? '', /pinned only for/);
  t.regex(pinProblem(pins, 'd'.repeat(64), '2026-06-01T00:00:00Z') ?? '', /does not pin/);
});
