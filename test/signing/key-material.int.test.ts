/**
 * Key material belongs to one key version, ever: whatever provider, reference or PEM brings it,
 * and whether or not its owner is revoked. Service and REST level, against the real SQLite store
 * and file provider.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { streamName } from '../../domain/events/stream-name';
import { decide, fingerprintOf, keyMaterialStream, NO_MATERIAL_OWNERS, claimMaterial, type KeyId } from '../../domain/keys';
import type { AppError } from '../../src/errors/app-error';
import type { EventStore, ReadAllOptions } from '../../src/ports/event-store';
import { KeyService } from '../../src/signing/key.service';
import { newEvent, eventContext } from '../../src/signing/command-context';
import { fixture, type Fixture } from './helpers/fixture';
import { signingRest } from './helpers/rest';

const keyFiles = (f: Fixture) => readdirSync(path.join(f.dir, 'keys')).filter((n) => n.endsWith('.pem')).sort();
const pemOf = (f: Fixture, providerRef: string) => readFileSync(path.join(f.dir, 'keys', providerRef), 'utf8');
const code = async (t: { throwsAsync<E extends Error>(p: Promise<unknown>): Promise<E | undefined> }, p: Promise<unknown>) => (await t.throwsAsync<AppError>(p))?.code;

const rest = (t: { teardown(fn: () => unknown): void }) => signingRest(t);

test('REST: registering the ledger key file under another key id is refused with 409 naming its owner, and the twin cannot sign', async (t) => {
  const { f, call } = await rest(t);
  const ledger = await call('POST', '/api/v1/keys', { keyId: 'ledger', name: 'ledger', provider: 'file' });
  t.is(ledger.status, 201);
  const providerRef = (ledger.body['versions'] as { providerRef: string }[])[0]?.providerRef;
  const head = (await f.store.headPosition()).commit;

  const twin = await call('POST', '/api/v1/keys', { keyId: 'ledger-twin', name: 't', provider: 'file', import: { reference: providerRef } });
  t.is(twin.status, 409, twin.text);
  t.is(twin.body['code'], 'key_material_reused');
  t.regex(twin.text, /version 1 of key ledger\b/);
  t.is((await f.store.headPosition()).commit, head, 'nothing written');
  t.deepEqual(await f.store.readStream(streamName('key', 'ledger-twin')), []);
  t.deepEqual(keyFiles(f), [providerRef], 'the ledger key file is untouched and no other file appears');

  const sign = await call('POST', '/api/v1/sign', { keyId: 'ledger-twin', payloadType: 'text/plain', payload: 'aGk=' });
  t.is(sign.status, 404);
});

test('REST: a revoked key is not revived by importing its file or its PEM under a new id', async (t) => {
  const { f, call } = await rest(t);
  const old = await call('POST', '/api/v1/keys', { keyId: 'old', name: 'old', provider: 'file' });
  const providerRef = (old.body['versions'] as { providerRef: string }[])[0]?.providerRef ?? '';
  t.is((await call('POST', '/api/v1/keys/old/revoke', { version: 'all', reason: 'compromised' })).status, 200);
  const filesBefore = keyFiles(f);

  const byReference = await call('POST', '/api/v1/keys', { keyId: 'revived', name: 'r', provider: 'file', import: { reference: providerRef } });
  t.is(byReference.status, 409);
  t.is(byReference.body['code'], 'key_material_reused');
  const byPem = await call('POST', '/api/v1/keys', { keyId: 'revived', name: 'r', provider: 'file', import: { privateKeyPem: pemOf(f, providerRef) } });
  t.is(byPem.status, 409);
  t.is(byPem.body['code'], 'key_material_reused');
  t.regex(byPem.text, /version 1 of key old\b/);
  t.is((await call('GET', '/api/v1/keys/revived')).status, 404);
  t.deepEqual(keyFiles(f), filesBefore, 'the refused PEM import leaves no key file behind');

  // The same private key re-encoded by OpenSSL: other bytes, the same key.
  for (const form of [['-conv_form', 'compressed'], ['-param_enc', 'explicit']]) {
    const reencoded = execFileSync('openssl', ['ec', ...form], { input: pemOf(f, providerRef), stdio: ['pipe', 'pipe', 'ignore'] }).toString();
    const revived = await call('POST', '/api/v1/keys', { keyId: 'revived', name: 'r', provider: 'file', import: { privateKeyPem: reencoded } });
    t.is(revived.status, 409, `${form.join(' ')}: ${revived.text}`);
    t.regex(revived.text, /version 1 of key old\b/);
  }
});

test('REST: two parallel imports of the same PEM under two key ids — exactly one is created', async (t) => {
  const { f, call } = await rest(t);
  // A PEM nobody here registered, made by another ledger.
  const other = fixture();
  t.teardown(() => other.close());
  const fresh = await other.keys.create({ name: 'x', provider: 'file' });
  const freshPem = pemOf(other, fresh.versions[0]?.providerRef ?? '');

  const answers = await Promise.all(
    ['a', 'b'].map((id) => call('POST', '/api/v1/keys', { keyId: `twin-${id}`, name: id, provider: 'file', import: { privateKeyPem: freshPem } })),
  );
  t.deepEqual(answers.map((a) => a.status).sort(), [201, 409]);
  t.is(answers.find((a) => a.status === 409)?.body['code'], 'key_material_reused');
  const claims = await f.store.readStream(keyMaterialStream(fingerprintOf(fresh.versions[0]?.publicKeyPem ?? '')));
  t.is(claims.length, 1);
  t.is(keyFiles(f).length, 1, 'the winner’s file; the loser’s is gone');
});

/** A store whose key-registry reads wait until `n` requests have read: every request decides on the same, stale view. */
function barrierStore(store: EventStore, n: number): EventStore {
  let waiting: (() => void)[] = [];
  const barrier = () =>
    new Promise<void>((resolve) => {
      waiting.push(resolve);
      if (waiting.length === n) {
        for (const r of waiting) r();
        waiting = [];
      }
    });
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'readAll') {
        return async (options?: ReadAllOptions) => {
          const events = await target.readAll(options);
          await barrier();
          return events;
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

test('service: concurrent registrations of the same material under different ids — the claim stream lets exactly one through', async (t) => {
  const { f, pem } = await aFixtureAndForeignMaterial(t);
  const keys = new KeyService(barrierStore(f.store, 4), f.providers, f.clock);

  const results = await Promise.allSettled(['a', 'b', 'c', 'd'].map((id) => keys.create({ keyId: `k-${id}`, name: id, provider: 'file', import: { privateKeyPem: pem } })));
  const won = results.filter((r) => r.status === 'fulfilled');
  const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as AppError] : []));
  t.is(won.length, 1);
  t.deepEqual(lost.map((e) => e.code), ['key_material_reused', 'key_material_reused', 'key_material_reused']);
  const winner = won[0]?.status === 'fulfilled' ? won[0].value.keyId : '';
  for (const e of lost) t.regex(e.message, new RegExp(`version 1 of key ${winner}\\b`));
  const keyStreams = new Set((await f.store.readAll({ filter: { streamPrefixes: ['key-'] } })).map((e) => e.stream));
  t.deepEqual([...keyStreams], [`key-${winner}`]);
  t.is(keyFiles(f).length, 1, 'the losers’ imported files are removed');
});

test('service: rotating to material another key owns, or to the key’s own earlier material, is refused, writes nothing and leaves no file', async (t) => {
  const f = fixture();
  t.teardown(() => f.close());
  const a = await f.keys.create({ keyId: 'a', name: 'a', provider: 'file' });
  await f.keys.create({ keyId: 'b', name: 'b', provider: 'file' });
  await f.keys.rotate('b');
  const files = keyFiles(f);
  const head = (await f.store.headPosition()).commit;

  const fromA = await t.throwsAsync<AppError>(f.keys.rotate('b', { import: { privateKeyPem: pemOf(f, a.versions[0]?.providerRef ?? '') } }));
  t.is(fromA?.code, 'key_material_reused');
  t.regex(fromA?.message ?? '', /version 1 of key a\b/);
  const b = await f.keys.get('b');
  const own = await t.throwsAsync<AppError>(f.keys.rotate('b', { import: { privateKeyPem: pemOf(f, b.versions[0]?.providerRef ?? '') } }));
  t.is(own?.code, 'key_material_reused');
  t.regex(own?.message ?? '', /its version 1/);
  t.is(await code(t, f.keys.rotate('b', { import: { reference: a.versions[0]?.providerRef ?? '' } })), 'key_material_reused');

  t.is((await f.store.headPosition()).commit, head, 'no event');
  t.deepEqual(keyFiles(f), files, 'no new .pem in keys/, and the referenced file of key a is kept');
});

test('service: material of keys recorded before claims existed counts too (the check reads the key streams)', async (t) => {
  const { f, pem, publicKeyPem } = await aFixtureAndForeignMaterial(t);
  // Key events as an older Attestor wrote them: no keymaterial- claim.
  const now = f.clock.now();
  const legacy = decide(
    { type: 'RegisterKey', keyId: 'legacy' as KeyId, name: 'l', provider: 'file', algorithm: undefined, publicKeyPem: publicKeyPem, providerRef: 'legacy.pem' },
    { exists: false },
    { now, materialOwners: NO_MATERIAL_OWNERS },
  );
  await f.store.append(streamName('key', 'legacy'), legacy.map((e) => newEvent<string, unknown>(e, 1, eventContext({}, now))), { expectedRevision: 'no_stream' });

  const refused = await t.throwsAsync<AppError>(f.keys.create({ keyId: 'new', name: 'n', provider: 'file', import: { privateKeyPem: pem } }));
  t.is(refused?.code, 'key_material_reused');
  t.regex(refused?.message ?? '', /version 1 of key legacy\b/);
});

test('service: a version recorded by an older build with a compressed-point PEM keeps its fingerprint, and its material stays taken in any encoding', async (t) => {
  const { f, pem, publicKeyPem } = await aFixtureAndForeignMaterial(t);
  const compressedPem = execFileSync('openssl', ['ec', '-pubin', '-pubout', '-conv_form', 'compressed'], { input: publicKeyPem, stdio: ['pipe', 'pipe', 'ignore'] }).toString();
  const now = f.clock.now();
  const legacy = decide(
    { type: 'RegisterKey', keyId: 'legacy' as KeyId, name: 'l', provider: 'file', algorithm: undefined, publicKeyPem: compressedPem, providerRef: 'legacy.pem' },
    { exists: false },
    { now, materialOwners: NO_MATERIAL_OWNERS },
  );
  await f.store.append(streamName('key', 'legacy'), legacy.map((e) => newEvent<string, unknown>(e, 1, eventContext({}, now))), { expectedRevision: 'no_stream' });
  // Its fingerprint is what it was (the keyids of what it signed still name it)...
  t.is((await f.keys.get('legacy')).versions[0]?.fingerprint, fingerprintOf(compressedPem));
  t.not(fingerprintOf(compressedPem), fingerprintOf(publicKeyPem));
  // ...and the same key in its canonical encoding is still its material.
  const refused = await t.throwsAsync<AppError>(f.keys.create({ keyId: 'new', name: 'n', provider: 'file', import: { privateKeyPem: pem } }));
  t.is(refused?.code, 'key_material_reused');
  t.regex(refused?.message ?? '', /version 1 of key legacy\b/);
});

test('service: an orphaned claim (key events never written) holds the material for its key version only — a retry of that create succeeds', async (t) => {
  const { f, pem, publicKeyPem } = await aFixtureAndForeignMaterial(t);
  const fingerprint = fingerprintOf(publicKeyPem);
  const now = f.clock.now();
  await f.store.append(keyMaterialStream(fingerprint), [newEvent(claimMaterial(fingerprint, { keyId: 'first', version: 1 }, now), 1, eventContext({}, now))], { expectedRevision: 'no_stream' });

  const other = await t.throwsAsync<AppError>(f.keys.create({ keyId: 'second', name: 's', provider: 'file', import: { privateKeyPem: pem } }));
  t.is(other?.code, 'key_material_reused');
  t.regex(other?.message ?? '', /version 1 of key first\b/);
  const retried = await f.keys.create({ keyId: 'first', name: 'f', provider: 'file', import: { privateKeyPem: pem } });
  t.is(retried.versions[0]?.fingerprint, fingerprint);
  t.is((await f.store.readStream(keyMaterialStream(fingerprint))).length, 1, 'the claim is not repeated');
});

test('service: every activation claims its material in keymaterial-<fingerprint>', async (t) => {
  const f = fixture();
  t.teardown(() => f.close());
  const k = await f.keys.create({ keyId: 'k', name: 'k', provider: 'file' }, { actor: 'ops' });
  const rotated = await f.keys.rotate('k');
  for (const v of rotated.versions) {
    const [claim, ...rest] = await f.store.readStream(keyMaterialStream(v.fingerprint));
    t.is(rest.length, 0);
    t.like(claim, { type: 'KeyMaterialClaimed', schemaVersion: 1, data: { fingerprint: v.fingerprint, keyId: 'k', version: v.version } });
  }
  t.is(k.keyId, 'k');
});

/** A fresh fixture, and the PEM of a private key made by another one (material this fixture has never seen). */
async function aFixtureAndForeignMaterial(t: { teardown(fn: () => unknown): void }): Promise<{ f: Fixture; pem: string; publicKeyPem: string }> {
  const f = fixture();
  t.teardown(() => f.close());
  const donor = fixture();
  t.teardown(() => donor.close());
  const made = await donor.keys.create({ name: 'x', provider: 'file' });
  return { f, pem: pemOf(donor, made.versions[0]?.providerRef ?? ''), publicKeyPem: made.versions[0]?.publicKeyPem ?? '' };
}
