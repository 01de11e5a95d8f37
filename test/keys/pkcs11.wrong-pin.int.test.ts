import test from 'ava';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { BreakerKeyProvider } from '../../adapters/keys/breaker.key-provider';
import { Pkcs11KeyProvider } from '../../adapters/keys/pkcs11.key-provider';
import { type AppError } from '../../src/errors/app-error';
import { countLogins } from './helpers/count-logins';
import { initSoftHsmToken } from './helpers/softhsm';

// Own process, own token: no session of this application is logged in yet, so the token checks the PIN.
const token = initSoftHsmToken('attestor-pin', '1234');
test.after.always(() => token.cleanup());

test.serial('a wrong PIN is a 400 that names where the PIN comes from, is presented to the token once, and does not open the breaker', async (t) => {
  const pinFile = path.join(token.dir, 'user.pin');
  writeFileSync(pinFile, '9999\n', { mode: 0o600 });
  const provider = new BreakerKeyProvider(new Pkcs11KeyProvider({ modulePath: token.modulePath, tokenLabel: token.tokenLabel, pin: { file: pinFile } }), { volumeThreshold: 1 });
  t.teardown(() => provider.close());
  const logins = countLogins(token.modulePath);
  t.teardown(() => logins.restore());
  for (let i = 0; i < 2; i++) {
    const error = await t.throwsAsync(provider.generate({ name: 'w', algorithm: 'ecdsa-p256-sha256' }));
    t.is((error as AppError).code, 'pkcs11_pin_incorrect');
    t.is((error as AppError).status, 400);
    t.regex((error).message, /PIN file .*user\.pin/);
  }
  t.false(provider.isOpen);
  t.is(logins.count(), 1, 'tokens lock the PIN after a few wrong attempts: a rejected PIN is not presented again');

  // Fixing the PIN file is enough: the PIN is read again at the next login.
  writeFileSync(pinFile, '1234\n');
  const key = await provider.generate({ name: 'after fix', algorithm: 'ecdsa-p256-sha256' });
  t.regex(key.providerRef, /^id:/);
  t.is(logins.count(), 2);
});

test.serial('a missing PIN environment variable is a 400 naming the variable', async (t) => {
  const provider = new Pkcs11KeyProvider({ modulePath: token.modulePath, tokenLabel: token.tokenLabel, pin: { env: 'ATTESTOR_NO_SUCH_PIN_VAR' } });
  t.teardown(() => provider.close());
  const error = await t.throwsAsync(provider.publicKey('id:00'));
  t.is((error as AppError).code, 'pkcs11_pin_missing');
  t.regex((error).message, /ATTESTOR_NO_SUCH_PIN_VAR/);
});
