import test from 'ava';
import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dsse } from '@sigstore/core';
import S3rver from 's3rver';
import { SqliteEventStore } from '../../adapters/event-store/sqlite/sqlite.event-store';
import { KeyProviderRegistry } from '../../adapters/keys/key-providers';
import { Pkcs11KeyProvider } from '../../adapters/keys/pkcs11.key-provider';
import { S3ObjectStore, s3ClientFor } from '../../adapters/object-store/s3.object-store';
import { streamName } from '../../domain/events/stream-name';
import { sha256Hex } from '../../domain/shared/sha256';
import { KeyService } from '../../src/signing/key.service';
import { SigningService } from '../../src/signing/signing.service';
import { VerificationService } from '../../src/signing/verification.service';
import { initSoftHsmToken } from '../keys/helpers/softhsm';
import { ManualClock } from './helpers/fixture';

const token = initSoftHsmToken('attestor-e2e');
process.env['ATTESTOR_E2E_PKCS11_PIN'] = token.pin;
const dir = mkdtempSync(path.join(os.tmpdir(), 'attestor-hsm-s3-'));
const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: path.join(dir, 's3'), configureBuckets: [{ name: 'envelopes' }] });

test.after.always(async () => {
  await s3.close().catch(() => undefined);
  token.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

test('a SoftHSM2 key signs an in-toto statement; the envelope is archived in S3, verifies independently, and its revocation is honoured', async (t) => {
  const { port } = await s3.run();
  const store = SqliteEventStore.open(path.join(dir, 'events.db'));
  const providers = new KeyProviderRegistry([
    new Pkcs11KeyProvider({ modulePath: token.modulePath, tokenLabel: token.tokenLabel, pin: { env: 'ATTESTOR_E2E_PKCS11_PIN' } }),
  ]);
  t.teardown(async () => {
    await providers.close();
    await store.close();
  });
  const archive = new S3ObjectStore({ client: s3ClientFor({ endpoint: `http://127.0.0.1:${port}`, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }), bucket: 'envelopes', prefix: 'dsse/' });
  const clock = new ManualClock();
  const keys = new KeyService(store, providers, clock);
  const signing = new SigningService(store, providers, archive, clock);
  const verification = new VerificationService(store, archive);

  const key = await keys.create({ name: 'hsm release key', provider: 'pkcs11' });
  t.regex(key.versions[0]?.providerRef ?? '', /^id:/);
  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'a.txt', digest: { sha256: 'a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf' } }],
    predicateType: 'https://example.com/test/v1',
    predicate: {},
  };
  clock.advance(1000);
  const signed = await signing.sign({ keyIds: [key.keyId], payloadType: 'application/vnd.in-toto+json', payload: Buffer.from(JSON.stringify(statement)) });

  const message = dsse.preAuthEncoding(signed.envelope.payloadType, Buffer.from(signed.envelope.payload, 'base64'));
  t.true(verify('sha256', message, createPublicKey(key.versions[0]?.publicKeyPem ?? ''), Buffer.from(signed.envelope.signatures[0]?.sig ?? '', 'base64')));
  const bytes = await archive.get(signed.envelopeDigest);
  t.is(sha256Hex(bytes ?? Buffer.alloc(0)), signed.envelopeDigest);
  t.true((await verification.verifyStored(signed.envelopeDigest)).valid);

  clock.advance(60_000);
  await keys.revoke(key.keyId, { version: 1, reason: 'HSM decommissioned' });
  t.true((await verification.verifyStored(signed.envelopeDigest)).valid, 'signed before the revocation took effect');
  clock.advance(1000);
  const refused = await t.throwsAsync(signing.sign({ keyIds: [key.keyId], payloadType: 'text/plain', payload: Buffer.from('x') }));
  t.is((refused as { code?: string }).code, 'key_revoked');
  t.deepEqual(
    (await store.readStream(streamName('key', key.keyId))).map((e) => e.type),
    ['KeyCreated', 'KeyVersionActivated', 'KeyRevoked'],
  );
});
