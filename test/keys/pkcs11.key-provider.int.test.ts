import test from 'ava';
import { createPublicKey, verify } from 'node:crypto';
import { BreakerKeyProvider } from '../../adapters/keys/breaker.key-provider';
import { Pkcs11KeyProvider } from '../../adapters/keys/pkcs11.key-provider';
import { parsePublicKeyPem } from '../../domain/keys/key-algorithm';
import { type AppError } from '../../src/errors/app-error';
import { initSoftHsmToken } from './helpers/softhsm';

const token = initSoftHsmToken('attestor-pkcs11');
process.env['ATTESTOR_TEST_PKCS11_PIN'] = token.pin;
const config = { modulePath: token.modulePath, tokenLabel: token.tokenLabel, pin: { env: 'ATTESTOR_TEST_PKCS11_PIN' } } as const;
const provider = new Pkcs11KeyProvider(config);

test.after.always(async () => {
  await provider.close();
  token.cleanup();
});

test.serial('a key generated inside the SoftHSM2 token signs; node:crypto verifies the DER signature with the exported public key', async (t) => {
  const key = await provider.generate({ name: 'hsm key', algorithm: 'ecdsa-p256-sha256' });
  t.regex(key.providerRef, /^id:[0-9a-f]{32}$/);
  t.is(parsePublicKeyPem(key.publicKeyPem).algorithm, 'ecdsa-p256-sha256');
  const message = Buffer.from('payload to sign');
  const der = await provider.sign(key.providerRef, message);
  t.is(der[0], 0x30);
  t.true(verify('sha256', message, createPublicKey(key.publicKeyPem), der));
  t.false(verify('sha256', Buffer.from('other'), createPublicKey(key.publicKeyPem), der));
});

test.serial('concurrent signatures over the session pool all verify', async (t) => {
  const key = await provider.generate({ name: 'pool', algorithm: 'ecdsa-p256-sha256' });
  const messages = Array.from({ length: 24 }, (_, i) => Buffer.from(`m${i}`));
  const sigs = await Promise.all(messages.map((m) => provider.sign(key.providerRef, m)));
  sigs.forEach((sig, i) => t.true(verify('sha256', messages[i] ?? Buffer.alloc(0), key.publicKeyPem, sig)));
});

test.serial('a token key can be registered by label and is normalised to its id', async (t) => {
  const key = await provider.generate({ name: 'by-label', algorithm: 'ecdsa-p256-sha256' });
  const imported = await provider.import({ name: 'x', reference: 'label:by-label' });
  t.is(imported.providerRef, key.providerRef);
  t.is(imported.publicKeyPem, key.publicKeyPem);
});

test.serial('the generated private key is sensitive and not extractable', async (t) => {
  // Re-open the same token with pkcs11js directly and read the attributes.
  const pkcs11js = await import('pkcs11js');
  const key = await provider.generate({ name: 'attrs', algorithm: 'ecdsa-p256-sha256' });
  const lib = new pkcs11js.PKCS11();
  lib.load(token.modulePath);
  try {
    lib.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
  } catch {
    // already initialised in this process
  }
  const slot = lib.C_GetSlotList(true).find((s) => lib.C_GetTokenInfo(s).label.trim() === token.tokenLabel);
  if (slot === undefined) return t.fail('token slot not found');
  const session = lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
  lib.C_FindObjectsInit(session, [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
    { type: pkcs11js.CKA_ID, value: Buffer.from(key.providerRef.slice(3), 'hex') },
  ]);
  const [handle] = lib.C_FindObjects(session, 1);
  lib.C_FindObjectsFinal(session);
  if (handle === undefined) return t.fail('private key not found');
  const attrs = lib.C_GetAttributeValue(session, handle, [{ type: pkcs11js.CKA_EXTRACTABLE }, { type: pkcs11js.CKA_SENSITIVE }]);
  t.deepEqual(attrs.map((a) => a.value[0]), [0, 1]);
  lib.C_CloseSession(session);
  return undefined;
});

test.serial('an unknown key reference is a 404 and a malformed one a 400', async (t) => {
  const unknown = await t.throwsAsync(provider.sign('id:00ff', Buffer.from('x')));
  t.is((unknown as AppError).code, 'key_material_not_found');
  const malformed = await t.throwsAsync(provider.publicKey('serial:7'));
  t.is((malformed as AppError).status, 400);
});

test.serial('a token that is not there answers 503', async (t) => {
  const missing = new BreakerKeyProvider(new Pkcs11KeyProvider({ ...config, tokenLabel: 'no-such-token' }));
  const error = await t.throwsAsync(missing.generate({ name: 'x', algorithm: 'ecdsa-p256-sha256' }));
  t.is((error as AppError).status, 503);
  t.is((error as AppError).code, 'pkcs11_token_not_found');
  await missing.close();
});


test.serial('closing a provider waits for the signatures in flight: each ends signed or refused, none under a finalised module', async (t) => {
  const own = new Pkcs11KeyProvider(config);
  const key = await own.generate({ name: 'closing', algorithm: 'ecdsa-p256-sha256' });
  const messages = Array.from({ length: 32 }, (_, i) => Buffer.from(`c${i}`));
  const signing = messages.map((m) => own.sign(key.providerRef, m).then((sig) => ({ sig }), (error: unknown) => ({ error: error as AppError })));
  await own.close();
  const outcomes = await Promise.all(signing);
  for (const [i, o] of outcomes.entries()) {
    if ('sig' in o) t.true(verify('sha256', messages[i]!, key.publicKeyPem, o.sig), `signature ${i} verifies`);
    else t.is(o.error.code, 'key_provider_unavailable', `signature ${i} is refused cleanly: ${o.error.message}`);
  }
  t.true(outcomes.some((o) => 'sig' in o), 'the calls already running finished before the close returned');
});
