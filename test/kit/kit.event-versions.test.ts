import test from 'ava';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { SqliteEventStore } from '../../adapters/event-store/sqlite/sqlite.event-store';
import type { EventId } from '../../domain/events/event';
import { streamName } from '../../domain/events/stream-name';
import { UnsupportedEventVersionError } from '../../src/errors/app-error';
import { exportKit } from '../../src/kit/kit-export';
import { importKit, KitRefusedError } from '../../src/kit/kit-import';
import { verifyKit } from '../../src/kit/kit-verify';
import { LedgerCheckpointer } from '../../src/ledger/ledger-checkpointer';
import { LedgerKey } from '../../src/ledger/ledger-key';
import { KeyService } from '../../src/signing/key.service';
import { copyWithV1Signings } from '../migrations/fixture';
import { testContext } from '../support/events';
import { tempDir } from '../support/temp-dir';
import { forgeKit, signerOf } from './helpers/forge-kit';
import { exportedKit, ledgerFixture, populate } from './helpers/ledger-fixture';

test('export refuses a store holding an event from a newer build, saying to upgrade', async (t) => {
  const f = ledgerFixture();
  t.teardown(() => f.close());
  await populate(f, 1);
  const key = await f.keys.create({ name: 'later', provider: 'file' });
  await f.store.append(streamName('key', key.keyId), [{ id: randomUUID() as EventId, type: 'KeyRotated', schemaVersion: 2, data: { keyId: key.keyId }, metadata: testContext }]);
  await t.throwsAsync(f.exportTo(join(tempDir(t), 'kit.tar')), { instanceOf: UnsupportedEventVersionError, message: /KeyRotated .* schema version 2.*Upgrade Attestor/ });
});

test('a kit holding an event from a newer build fails verification on that first, and import refuses it writing nothing', async (t) => {
  const { f, dir, kit } = await exportedKit(t);
  // A newer build's kit, as far as this build can tell: one event at a version it does not know.
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await forgeKit(kit.file, join(dir, 'newer.tar'), {
    publicKey,
    sign: signerOf(privateKey),
    manifestKeyid: (await f.ledgerKey.current()).fingerprint,
    mutateEvent: (e) => (e.type === 'KeyRotated' ? { ...e, schemaVersion: 3 } : undefined),
  });
  const report = await verifyKit(join(dir, 'newer.tar'));
  t.false(report.ok);
  t.regex(report.failures[0] ?? '', /^event versions: stream key-\S+ holds a KeyRotated event .* stored at schema version 3, .*Upgrade Attestor to a build that reads KeyRotated v3\.$/);
  t.is(report.stats, null, 'nothing after it is claimed as checked');

  const target = SqliteEventStore.open(join(dir, 'imported.sqlite'));
  t.teardown(() => target.close());
  await t.throwsAsync(importKit(join(dir, 'newer.tar'), target, { archive: null }), { instanceOf: KitRefusedError, message: /Upgrade Attestor/ });
  t.deepEqual(await target.readAll(), []);
});

test('a store with EnvelopeSigned v1 events exports a kit that verifies: export and verify read them through the upcaster', async (t) => {
  const f = ledgerFixture();
  t.teardown(() => f.close());
  await populate(f);
  const dir = tempDir(t);
  const v1Store = SqliteEventStore.open(join(dir, 'v1.sqlite'));
  t.teardown(() => v1Store.close());
  await copyWithV1Signings(f.store, v1Store);
  t.true((await v1Store.readAll({ filter: { eventTypePrefixes: ['EnvelopeSigned'] } })).every((e) => e.schemaVersion === 1));
  const keys = new KeyService(v1Store, f.providers, f.clock);
  const ledgerKey = new LedgerKey(v1Store, keys, f.providers);
  const kit = await exportKit({ store: v1Store, archive: f.archive, checkpointer: new LedgerCheckpointer(v1Store, ledgerKey, f.clock), ledgerKey }, { out: join(dir, 'kit.tar'), signatureCacheDir: join(dir, 'sigs') });
  const report = await verifyKit(kit.file);
  t.true(report.ok, report.failures.join('\n'));
  t.is(report.stats?.envelopes.signaturesVerified, 4);
});
