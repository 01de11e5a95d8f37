import test from 'ava';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KEYS_FILE, type KeysFile } from '../../src/kit/kit-format';
import { extractKit } from '../../src/kit/kit-tar';
import { verifyKit } from '../../src/kit/kit-verify';
import { loadKey } from '../../src/signing/key-stream';
import { tempDir } from '../support/temp-dir';
import { forgeKit, withTheLedgerKey } from './helpers/forge-kit';
import { ledgerFixture, populate, type LedgerFixture } from './helpers/ledger-fixture';

/** populate() plus a third key rotated twice, its first version revoked, and the key named `other` revoked whole: every version status, several keys. */
async function keysWithHistory(f: LedgerFixture): Promise<void> {
  await populate(f);
  const c = await f.keys.create({ name: 'third', provider: 'file' }, { tenant: 'acme' });
  f.clock.advance(1000);
  await f.keys.rotate(c.keyId);
  f.clock.advance(1000);
  await f.keys.rotate(c.keyId);
  f.clock.advance(1000);
  await f.keys.revoke(c.keyId, { version: 1, reason: 'superseded' });
  await f.signing.sign({ keyIds: [c.keyId], payloadType: 'text/plain', payload: Buffer.from('by the third key, v3') }, { tenant: 'acme' });
  f.clock.advance(1000);
  const other = (await f.store.readAll({ filter: { eventTypePrefixes: ['KeyCreated'] } })).find((e) => (e.data as { name?: unknown }).name === 'other');
  if (other === undefined) throw new Error('populate() made no key named other');
  await f.keys.revoke(other.stream.slice('key-'.length), { version: 'all', reason: 'decommissioned' });
  f.clock.advance(1000);
}

/** Every key id of the store, in order. */
async function keyIdsOf(f: LedgerFixture): Promise<string[]> {
  const ids = (await f.store.readAll({ filter: { streamPrefixes: ['key-'] } })).map((e) => e.stream.slice('key-'.length));
  return [...new Set(ids)].sort();
}

async function keysFileOf(kit: string, dir: string): Promise<KeysFile> {
  mkdirSync(dir);
  await extractKit(kit, dir);
  return JSON.parse(readFileSync(join(dir, KEYS_FILE), 'utf8')) as KeysFile;
}

test("keys.json as export writes it is the registry verify folds from the kit's events and the service's own, for several keys with rotations and revocations", async (t) => {
  const f = ledgerFixture();
  t.teardown(() => f.close());
  await keysWithHistory(f);
  const dir = tempDir(t);
  const kit = await f.exportTo(join(dir, 'kit.tar'));
  const keyIds = await keyIdsOf(f);

  const report = await verifyKit(kit.file);
  t.true(report.ok, report.failures.join('\n'));
  t.like(report.checks.find((c) => c.name === 'contents'), { ok: true });

  const written = await keysFileOf(kit.file, join(dir, 'x'));
  const expected: KeysFile = {
    keys: await Promise.all(
      keyIds.map(async (keyId) => {
        const { state } = await loadKey(f.store, keyId);
        if (!state.exists) throw new Error(`no key ${keyId}`);
        return { keyId, versions: state.versions.map((v) => ({ version: v.version, fingerprint: v.fingerprint, publicKeyPem: v.publicKeyPem, status: v.status })) };
      }),
    ),
  };
  t.deepEqual(written, expected);
  t.is(kit.manifest.counts.keys, keyIds.length);
  t.is(keyIds.length, 4, keyIds.join(', '));
  const statuses = new Set(written.keys.flatMap((k) => k.versions.map((v) => v.status)));
  t.deepEqual([...statuses].sort(), ['active', 'retired', 'revoked']);
  t.true(
    written.keys.some((k) => k.versions.length === 3 && k.versions.map((v) => v.status).join() === 'revoked,retired,active'),
    'a key rotated twice with its first version revoked',
  );
  t.true(written.keys.some((k) => k.versions.every((v) => v.status === 'revoked')), 'a key revoked whole');
});

test('a keys.json that says other than the key events is refused, even in a kit the ledger key re-signed', async (t) => {
  const f = ledgerFixture();
  t.teardown(() => f.close());
  await keysWithHistory(f);
  const dir = tempDir(t);
  const kit = await f.exportTo(join(dir, 'kit.tar'));
  // The ledger key's holder re-signs everything, with keys.json claiming a revoked version is still active.
  await forgeKit(kit.file, join(dir, 'forged.tar'), {
    ...(await withTheLedgerKey(f)),
    mutateEvent: () => undefined,
    mutateKeysFile: (k) => ({ keys: k.keys.map((x) => ({ ...x, versions: x.versions.map((v) => ({ ...v, status: v.status === 'revoked' ? 'active' : v.status })) })) }),
  });
  const report = await verifyKit(join(dir, 'forged.tar'));
  t.false(report.ok);
  t.deepEqual(report.failures, [`contents: ${KEYS_FILE} does not match the key events`]);
});
