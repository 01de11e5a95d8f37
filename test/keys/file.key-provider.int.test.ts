import test from 'ava';
import { generateKeyPairSync, verify } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileKeyProvider } from '../../adapters/keys/file.key-provider';
import { type AppError } from '../../src/errors/app-error';

function keyDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'attestor-file-keys-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'keys');
}

test('a generated key is written 0600 in a 0700 directory and its signatures verify', async (t) => {
  const dir = keyDir(t);
  const provider = new FileKeyProvider(dir);
  const key = await provider.generate({ name: 'k', algorithm: 'ecdsa-p256-sha256' });
  t.is(statSync(path.join(dir, key.providerRef)).mode & 0o777, 0o600);
  t.is(statSync(dir).mode & 0o777, 0o700);
  const message = Buffer.from('hello');
  const sig = await provider.sign(key.providerRef, message);
  t.true(verify('sha256', message, key.publicKeyPem, sig));
  // a fresh provider (no cache) reads the file back
  t.is((await new FileKeyProvider(dir).publicKey(key.providerRef)).publicKeyPem, key.publicKeyPem);
});

test('an imported PEM private key is stored and gives the same public key', async (t) => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const provider = new FileKeyProvider(keyDir(t));
  const sec1 = privateKey.export({ type: 'sec1', format: 'pem' }).toString();
  const key = await provider.import({ name: 'imported', privateKeyPem: sec1 });
  t.is(key.publicKeyPem, publicKey.export({ type: 'spki', format: 'pem' }).toString());
});

test('malformed, encrypted and wrong-curve private keys are refused with 400', async (t) => {
  const provider = new FileKeyProvider(keyDir(t));
  const code = async (pem: string) => (await t.throwsAsync<AppError>(provider.import({ name: 'x', privateKeyPem: pem })))?.code;
  t.is(await code('hello'), 'malformed_pem');
  t.is(await code('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'), 'malformed_pem');
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  t.is(await code(p384), 'unsupported_algorithm');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  t.is(await code(rsa), 'unsupported_algorithm');
  const encrypted = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' }).toString();
  const error = await t.throwsAsync(provider.import({ name: 'x', privateKeyPem: encrypted }));
  t.regex((error).message, /encrypted/);
});

test('a group- or world-readable key file is refused with a message that says how to fix it', async (t) => {
  const dir = keyDir(t);
  const key = await new FileKeyProvider(dir).generate({ name: 'k', algorithm: 'ecdsa-p256-sha256' });
  const file = path.join(dir, key.providerRef);
  for (const mode of [0o644, 0o640, 0o604]) {
    chmodSync(file, mode);
    const error = await t.throwsAsync(new FileKeyProvider(dir).sign(key.providerRef, Buffer.from('x')));
    t.is((error as AppError).code, 'insecure_key_file_permissions');
    t.regex((error).message, /chmod 600/);
  }
});

test('a key file already in the directory can be registered by name; paths outside it cannot', async (t) => {
  const dir = keyDir(t);
  const provider = new FileKeyProvider(dir);
  await provider.generate({ name: 'mkdir', algorithm: 'ecdsa-p256-sha256' });
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(path.join(dir, 'offline.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  t.is((await provider.import({ name: 'offline', reference: 'offline.pem' })).providerRef, 'offline.pem');
  t.is((await t.throwsAsync<AppError>(provider.import({ name: 'x', reference: '../etc/passwd.pem' })))?.status, 400);
  t.is((await t.throwsAsync<AppError>(provider.import({ name: 'x', reference: 'missing.pem' })))?.status, 404);
  writeFileSync(path.join(dir, 'loose.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  chmodSync(path.join(dir, 'loose.pem'), 0o644);
  t.is((await t.throwsAsync<AppError>(provider.import({ name: 'x', reference: 'loose.pem' })))?.code, 'insecure_key_file_permissions');
});
