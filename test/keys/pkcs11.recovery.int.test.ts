import test, { type ExecutionContext } from 'ava';
import { verify } from 'node:crypto';
import { mkdirSync, renameSync, rmdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { BreakerKeyProvider } from '../../adapters/keys/breaker.key-provider';
import { Pkcs11KeyProvider, type Pkcs11ProviderConfig } from '../../adapters/keys/pkcs11.key-provider';
import { AppError, UnavailableError } from '../../src/errors/app-error';
import { countLogins } from './helpers/count-logins';
import { HsmOutage, parkWorkerThreads } from './helpers/hsm-outage';
import { initSoftHsmToken } from './helpers/softhsm';

// Own process, own token: the outages below act on this process's whole SoftHSM2 state.
const token = initSoftHsmToken('attestor-recovery');
process.env['ATTESTOR_TEST_RECOVERY_PIN'] = token.pin;
const outage = new HsmOutage(token);
const tokensDir = path.join(token.dir, 'tokens');
test.after.always(() => {
  outage.close();
  token.cleanup();
});

const SESSIONS = 4;
/** CKS_RW_USER_FUNCTIONS (PKCS#11 v2.40 §5.7; pkcs11js does not export the CKS_ states): a read-write session of a logged-in user. */
const CKS_RW_USER_FUNCTIONS = 3;
/** What `outage.liveSessions()` answers while the provider's pool is open and logged in. */
const POOL_LOGGED_IN = Array<number>(SESSIONS).fill(CKS_RW_USER_FUNCTIONS);

/** A provider on the test token that records each time it found its sessions lost. */
function providerFor(t: ExecutionContext, config: Partial<Pkcs11ProviderConfig> = {}): { provider: Pkcs11KeyProvider; lost: string[] } {
  const lost: string[] = [];
  const provider = new Pkcs11KeyProvider({
    modulePath: token.modulePath,
    tokenLabel: token.tokenLabel,
    pin: { env: 'ATTESTOR_TEST_RECOVERY_PIN' },
    sessions: SESSIONS,
    onSessionsLost: ({ pkcs11Code }) => lost.push(pkcs11Code),
    ...config,
  });
  t.teardown(() => provider.close());
  return { provider, lost };
}

test.serial('after the HSM closes every session, the next signing logs in on new sessions and answers a signature that verifies', async (t) => {
  const { provider, lost } = providerFor(t);
  const key = await provider.generate({ name: 'survivor', algorithm: 'ecdsa-p256-sha256' });
  await provider.sign(key.providerRef, Buffer.from('before'));
  t.deepEqual(outage.liveSessions(), POOL_LOGGED_IN);

  outage.closeAllSessions();
  t.deepEqual(outage.liveSessions(), [], "the provider's sessions are really gone");

  const message = Buffer.from('after the drop');
  t.true(verify('sha256', message, key.publicKeyPem, await provider.sign(key.providerRef, message)));
  t.deepEqual(lost, ['CKR_SESSION_HANDLE_INVALID']);
  t.deepEqual(outage.liveSessions(), POOL_LOGGED_IN, 'one new set of sessions, logged in');
});

test.serial('after the HSM restarts, each key signs with its own private key: key handles are looked up again under the new login', async (t) => {
  const { provider, lost } = providerFor(t);
  const keys = [];
  for (const name of ['first', 'second', 'third']) keys.push(await provider.generate({ name, algorithm: 'ecdsa-p256-sha256' }));
  for (const key of keys) await provider.sign(key.providerRef, Buffer.from('cache the handle'));

  outage.restart();
  t.deepEqual(outage.liveSessions(), []);

  // In the other order: the token numbers objects as they are found again.
  for (const key of [...keys].reverse()) {
    const message = Buffer.from(`signed by ${key.providerRef}`);
    t.true(verify('sha256', message, key.publicKeyPem, await provider.sign(key.providerRef, message)), key.providerRef);
  }
  t.deepEqual(lost, ['CKR_SESSION_HANDLE_INVALID']);
});

test.serial('when the PKCS#11 library is finalised under the provider, the next signing initialises it again and signs', async (t) => {
  const { provider, lost } = providerFor(t);
  const key = await provider.generate({ name: 'finalised', algorithm: 'ecdsa-p256-sha256' });
  await provider.sign(key.providerRef, Buffer.from('before'));

  outage.finalize();
  t.deepEqual(outage.liveSessions(), []);

  const message = Buffer.from('after finalize');
  t.true(verify('sha256', message, key.publicKeyPem, await provider.sign(key.providerRef, message)));
  t.deepEqual(lost, ['CKR_CRYPTOKI_NOT_INITIALIZED']);
});

test.serial('signings in flight when the HSM drops its sessions end signed or with a 503, none hangs, the sessions are replaced once, and signing works afterwards', async (t) => {
  const { provider: inner, lost } = providerFor(t);
  const provider = new BreakerKeyProvider(inner);
  const key = await provider.generate({ name: 'busy', algorithm: 'ecdsa-p256-sha256' });
  await provider.sign(key.providerRef, Buffer.from('warm up'));

  const threads = parkWorkerThreads();
  const messages = Array.from({ length: 32 }, (_, i) => Buffer.from(`in flight ${i}`));
  const outcomes = messages.map((m) =>
    provider.sign(key.providerRef, m).then(
      (signature) => ({ signature }),
      (error: unknown) => ({ error }),
    ),
  );
  // The first signings are now queued in the library behind the parked threads, the others wait for a session.
  await new Promise((resolve) => setImmediate(resolve));
  if (!threads.parked()) return t.fail('the worker threads were freed before the drop: raise the PBKDF2 iterations');
  t.deepEqual(lost, [], 'no signing has met the drop yet');
  outage.closeAllSessions();
  t.deepEqual(outage.liveSessions(), []);
  await threads.released;

  const settled = await Promise.all(outcomes);
  settled.forEach((outcome, i) => {
    if ('signature' in outcome) t.true(verify('sha256', messages[i] ?? Buffer.alloc(0), key.publicKeyPem, outcome.signature));
    else t.true(outcome.error instanceof UnavailableError, String(outcome.error));
  });
  // In fact all of them sign: the calls that met the dead sessions ran once more on the new ones.
  t.is(settled.filter((o) => 'signature' in o).length, messages.length);
  t.deepEqual(lost, ['CKR_SESSION_HANDLE_INVALID'], 'the sessions were replaced once, not once per signing');
  t.deepEqual(outage.liveSessions(), POOL_LOGGED_IN);

  const after = Buffer.from('after');
  t.true(verify('sha256', after, key.publicKeyPem, await provider.sign(key.providerRef, after)));
  return undefined;
});

test.serial('while the HSM cannot be reached, signing answers 503 with a Retry-After; once it is back, signing works without a restart', async (t) => {
  const { provider: inner, lost } = providerFor(t);
  const provider = new BreakerKeyProvider(inner);
  const key = await provider.generate({ name: 'outage', algorithm: 'ecdsa-p256-sha256' });
  await provider.sign(key.providerRef, Buffer.from('before'));

  // Down: the library lost its state and cannot initialise again (SoftHSM2 finds no token directory).
  outage.finalize();
  renameSync(tokensDir, `${tokensDir}.away`);
  const down = await t.throwsAsync(provider.sign(key.providerRef, Buffer.from('during')));
  t.true(down instanceof UnavailableError);
  t.is((down as UnavailableError).code, 'key_provider_failed');
  t.true((down as UnavailableError).retryAfterSeconds > 0);

  renameSync(`${tokensDir}.away`, tokensDir);
  const message = Buffer.from('back');
  t.true(verify('sha256', message, key.publicKeyPem, await provider.sign(key.providerRef, message)));
  t.deepEqual(lost, ['CKR_CRYPTOKI_NOT_INITIALIZED']);
});

test.serial('a token the library did not see at initialisation is found once it is back: the provider initialises the library again', async (t) => {
  const { provider: inner, lost } = providerFor(t);
  const provider = new BreakerKeyProvider(inner);
  const key = await provider.generate({ name: 'rescan', algorithm: 'ecdsa-p256-sha256' });
  await provider.sign(key.providerRef, Buffer.from('before'));

  // The HSM restarts without the token: SoftHSM2 lists only the tokens it saw at C_Initialize.
  renameSync(tokensDir, `${tokensDir}.away`);
  mkdirSync(tokensDir);
  outage.restart();
  const down = await t.throwsAsync(provider.sign(key.providerRef, Buffer.from('during')));
  t.is((down as AppError).status, 503);
  t.is((down as AppError).code, 'pkcs11_token_not_found');

  rmdirSync(tokensDir);
  renameSync(`${tokensDir}.away`, tokensDir);
  const message = Buffer.from('back');
  t.true(verify('sha256', message, key.publicKeyPem, await provider.sign(key.providerRef, message)));
  t.deepEqual(lost, ['CKR_SESSION_HANDLE_INVALID']);
});

test.serial('when the sessions are lost after the PIN became wrong, concurrent signings answer 400 and the token is asked for the PIN once', async (t) => {
  const pinFile = path.join(token.dir, 'recovery.pin');
  writeFileSync(pinFile, `${token.pin}\n`, { mode: 0o600 });
  const { provider } = providerFor(t, { pin: { file: pinFile } });
  const key = await provider.generate({ name: 'pin', algorithm: 'ecdsa-p256-sha256' });
  await provider.sign(key.providerRef, Buffer.from('before'));
  const logins = countLogins(token.modulePath);
  t.teardown(() => logins.restore());

  writeFileSync(pinFile, '9999\n');
  outage.closeAllSessions();
  const errors = await Promise.all(Array.from({ length: 8 }, (_, i) => provider.sign(key.providerRef, Buffer.from(`m${i}`)).then(() => null, (error: unknown) => error)));
  for (const error of errors) {
    t.true(error instanceof AppError && error.status === 400 && error.code === 'pkcs11_pin_incorrect', String(error));
  }
  t.is(logins.count(), 1, 'a rejected PIN is not presented again: tokens lock after a few wrong attempts');

  // Fixing the PIN file is enough.
  writeFileSync(pinFile, `${token.pin}\n`);
  const message = Buffer.from('fixed');
  t.true(verify('sha256', message, key.publicKeyPem, await provider.sign(key.providerRef, message)));
  t.is(logins.count(), 2);
});

test.serial('a key missing from the token is a 404 and leaves the sessions alone', async (t) => {
  const { provider, lost } = providerFor(t);
  await provider.generate({ name: 'present', algorithm: 'ecdsa-p256-sha256' });
  const missing = await t.throwsAsync(provider.sign('id:0badc0de', Buffer.from('x')));
  t.is((missing as AppError).status, 404);
  t.deepEqual(lost, []);
  t.deepEqual(outage.liveSessions(), POOL_LOGGED_IN);
});
