import test from 'ava';
import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { CreateKeyCommand, GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { BreakerKeyProvider } from '../../adapters/keys/breaker.key-provider';
import { KmsKeyProvider } from '../../adapters/keys/kms.key-provider';
import { type AppError, UnavailableError } from '../../src/errors/app-error';
import { signP256Digest } from './helpers/prehash-ecdsa';

const ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** A KMS double: the real SDK client, answered by handlers that use a real local P-256 key. */
function fakeKms() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const client = new KMSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const mock = mockClient(client);
  const signed: Uint8Array[] = [];
  mock.on(CreateKeyCommand).resolves({ KeyMetadata: { KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab', Arn: ARN } });
  mock.on(GetPublicKeyCommand).resolves({
    KeyId: ARN,
    KeySpec: 'ECC_NIST_P256',
    KeyUsage: 'SIGN_VERIFY',
    SigningAlgorithms: ['ECDSA_SHA_256'],
    PublicKey: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
  });
  mock.on(SignCommand).callsFake((input: { Message?: Uint8Array; MessageType?: string; SigningAlgorithm?: string }) => {
    if (input.MessageType !== 'DIGEST' || input.SigningAlgorithm !== 'ECDSA_SHA_256' || input.Message?.length !== 32) {
      throw Object.assign(new Error('unexpected Sign request'), { name: 'ValidationException' });
    }
    signed.push(input.Message);
    return { KeyId: ARN, Signature: new Uint8Array(signP256Digest(privateKey, input.Message)), SigningAlgorithm: 'ECDSA_SHA_256' };
  });
  return { client, mock, publicKey, signed };
}

test('a KMS key is created, its public key fetched, and its DIGEST signatures verify with node:crypto', async (t) => {
  const kms = fakeKms();
  const provider = new KmsKeyProvider({ client: kms.client });
  const key = await provider.generate({ name: 'kms key', algorithm: 'ecdsa-p256-sha256' });
  t.is(key.providerRef, ARN);
  t.is(key.publicKeyPem, kms.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  const message = Buffer.from('in-toto statement bytes');
  const der = await provider.sign(key.providerRef, message);
  t.true(verify('sha256', message, kms.publicKey, der));
  t.deepEqual(Buffer.from(kms.signed[0] ?? []), createHash('sha256').update(message).digest(), 'only the digest leaves the process');
});

test('a KMS key is registered by alias and recorded by its ARN', async (t) => {
  const kms = fakeKms();
  const key = await new KmsKeyProvider({ client: kms.client }).import({ name: 'x', reference: 'alias/release' });
  t.is(key.providerRef, ARN);
  t.deepEqual(kms.mock.commandCalls(GetPublicKeyCommand)[0]?.args[0].input, { KeyId: 'alias/release' });
});

test('KMS errors become precise AppErrors', async (t) => {
  const kms = fakeKms();
  kms.mock.on(GetPublicKeyCommand).rejects(Object.assign(new Error('Key not found'), { name: 'NotFoundException' }));
  kms.mock.on(SignCommand).rejects(Object.assign(new Error('key is disabled'), { name: 'DisabledException' }));
  const provider = new KmsKeyProvider({ client: kms.client });
  t.is((await t.throwsAsync<AppError>(provider.import({ name: 'x', reference: 'alias/none' })))?.code, 'key_material_not_found');
  t.is((await t.throwsAsync<AppError>(provider.sign(ARN, Buffer.from('x'))))?.code, 'kms_key_unusable');
  t.is((await t.throwsAsync<AppError>(provider.sign('not a key ref!', Buffer.from('x'))))?.status, 400);
});

test('a KMS key of the wrong spec is refused as unsupported', async (t) => {
  const kms = fakeKms();
  kms.mock.on(GetPublicKeyCommand).resolves({ KeyId: ARN, KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY', PublicKey: new Uint8Array(1) });
  const error = await t.throwsAsync(new KmsKeyProvider({ client: kms.client }).import({ name: 'x', reference: ARN }));
  t.is((error as AppError).code, 'unsupported_algorithm');
});

test('a hanging KMS times out with 503, then the open breaker fails fast with Retry-After', async (t) => {
  const kms = fakeKms();
  kms.mock.on(SignCommand).callsFake(() => new Promise(() => undefined));
  const provider = new BreakerKeyProvider(new KmsKeyProvider({ client: kms.client, requestTimeoutMs: 10_000 }), {
    timeoutMs: 100,
    resetTimeoutMs: 7000,
    volumeThreshold: 2,
    errorThresholdPercentage: 50,
  });
  t.teardown(() => provider.close());
  for (let i = 0; i < 2; i++) {
    const timeout = await t.throwsAsync(provider.sign(ARN, Buffer.from('x')));
    t.true(timeout instanceof UnavailableError);
    t.is((timeout as AppError).code, 'key_provider_timeout');
  }
  t.true(provider.isOpen);
  const started = Date.now();
  const open = await t.throwsAsync(provider.sign(ARN, Buffer.from('x')));
  t.true(Date.now() - started < 50, 'an open breaker answers at once');
  t.is((open as AppError).code, 'key_provider_unavailable');
  t.is((open as UnavailableError).status, 503);
  t.is((open as UnavailableError).retryAfterSeconds, 7);
});

test('live AWS KMS signing (enabled by AWS_KMS_KEY_ID)', async (t) => {
  const keyId = process.env['AWS_KMS_KEY_ID'];
  if (keyId === undefined || keyId === '') {
    t.log('not run against AWS: set AWS_KMS_KEY_ID (and AWS credentials/region) to an ECC_NIST_P256 SIGN_VERIFY key to run it');
    t.pass();
    return;
  }
  const provider = new KmsKeyProvider({ client: new KMSClient({}) });
  t.teardown(() => provider.close());
  const key = await provider.import({ name: 'live', reference: keyId });
  const message = Buffer.from(`attestor live KMS test ${new Date().toISOString()}`);
  t.true(verify('sha256', message, key.publicKeyPem, await provider.sign(key.providerRef, message)));
});
