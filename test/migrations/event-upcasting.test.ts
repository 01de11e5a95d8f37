import test from 'ava';
import { join } from 'node:path';
import { SqliteEventStore } from '../../adapters/event-store/sqlite/sqlite.event-store';
import { SqliteReadModelStore } from '../../adapters/read-models/sqlite.read-model-store';
import type { RecordedEvent } from '../../domain/events/event';
import { ENVELOPE_EVENT_SCHEMA_VERSION, type EnvelopeSignedData } from '../../domain/signing/envelope.events';
import { currentSchemaVersion, eventUpcasters, upcast } from '../../migrations/events';
import { upcasterChain, type EventUpcaster } from '../../migrations/events/upcaster';
import type { AuditRecord } from '../../projections/audit-trail/audit-record';
import { AUDIT_TRAIL, auditKey, auditTrailProjection } from '../../projections/audit-trail/audit-trail.projection';
import { KEY_REGISTRY, keyRegistryProjection, type KeyRegistryDocument } from '../../projections/key-registry/key-registry.projection';
import { rebuildProjections } from '../../src/projections-runtime/rebuild';
import { fixture as signingFixture } from '../signing/helpers/fixture';
import { tempDir } from '../support/temp-dir';
import { importFixture, readFixture } from './fixture';

const V1 = 'signing.v1.ndjson';
const envelopeSignedV1 = (): RecordedEvent[] => readFixture(V1).filter((e) => e.type === 'EnvelopeSigned');

test('the fixture holds EnvelopeSigned events as v1 wrote them: the first signer duplicated at the top level', (t) => {
  const events = envelopeSignedV1();
  t.is(events.length, 2);
  for (const e of events) {
    t.is(e.schemaVersion, 1);
    t.like(e.data, { keyId: 'release-key', keyVersion: 1 });
    t.true(typeof (e.data as { signatureCount?: unknown }).signatureCount === 'number');
  }
});

test('a stored v1 EnvelopeSigned reads as v2: signers[] only, everything else unchanged', (t) => {
  const [, twoSigners] = envelopeSignedV1();
  const stored = twoSigners!;
  const read = upcast(stored);
  t.is(read.schemaVersion, 2);
  t.is(read.schemaVersion, ENVELOPE_EVENT_SCHEMA_VERSION, 'the writer and the upcasters agree on the current version');
  const data = read.data as EnvelopeSignedData & Record<string, unknown>;
  t.false('keyId' in data);
  t.false('keyVersion' in data);
  t.false('signatureCount' in data);
  t.deepEqual(data.signers.map((s) => [s.keyId, s.keyVersion]), [['release-key', 1], ['ci-key', 1]]);
  const { keyId: _k, keyVersion: _v, signatureCount: _c, ...rest } = stored.data as Record<string, unknown>;
  t.deepEqual(data, rest as unknown as typeof data);
  t.deepEqual(read.metadata, stored.metadata, 'metadata, hash chain included, is the stored one');
  t.is(read.id, stored.id);
  t.is((stored.data as { keyId?: string }).keyId, 'release-key', 'the stored event object is not mutated');
});

test('events whose shape never changed, and current ones, come back as the very same object', (t) => {
  const keyCreated = readFixture(V1).find((e) => e.type === 'KeyCreated')!;
  t.is(upcast(keyCreated), keyCreated);
  const v2 = upcast(envelopeSignedV1()[0]!);
  t.is(upcast(v2), v2);
  t.is(currentSchemaVersion('EnvelopeSigned'), 2);
  t.is(currentSchemaVersion('KeyCreated'), 1);
});

test('a v1 EnvelopeSigned without signers gets a one-element list from its top-level key', (t) => {
  const [first] = envelopeSignedV1();
  const bare = { ...first!, data: { envelopeDigest: 'ab'.repeat(32), keyId: 'key-1', keyVersion: 3, signatureCount: 1 } };
  t.deepEqual(upcast(bare).data, { envelopeDigest: 'ab'.repeat(32), signers: [{ keyId: 'key-1', keyVersion: 3 }] });
});

test('a chain lifts an event one version at a time, in order, and refuses two steps from the same version', (t) => {
  const step = (fromVersion: number, field: string): EventUpcaster => ({
    type: 'ThingHappened',
    fromVersion,
    change: field,
    up: (data) => ({ ...(data as object), [field]: fromVersion + 1 }),
  });
  const chain = upcasterChain([step(2, 'b'), step(1, 'a')]);
  const [first] = envelopeSignedV1();
  const lifted = chain({ ...first!, type: 'ThingHappened', data: {} });
  t.is(lifted.schemaVersion, 3);
  t.deepEqual(lifted.data, { a: 2, b: 3 });
  t.throws(() => upcasterChain([step(1, 'a'), step(1, 'again')]), { message: /two upcasters lift ThingHappened from v1/ });
  t.true(eventUpcasters.every((u) => u.change.length > 0));
});

test('old events in a store are folded through the upcaster, and the stored events are never rewritten', async (t) => {
  const dir = tempDir(t);
  const store = SqliteEventStore.open(join(dir, 'events.sqlite'));
  const readModels = SqliteReadModelStore.open(join(dir, 'read-models.sqlite'));
  t.teardown(async () => {
    readModels.close();
    await store.close();
  });
  const fixture = readFixture(V1);
  await importFixture(store, fixture);

  // The store recomputes each hash over the bytes it keeps: equal hashes prove the v1 bytes are stored as written.
  const stored = await store.readAll();
  t.deepEqual(stored.map((e) => e.metadata.hash), fixture.map((e) => e.metadata.hash));

  await rebuildProjections(store, readModels, [auditTrailProjection, keyRegistryProjection]);

  const signed = fixture.filter((e) => e.type === 'EnvelopeSigned')[1]!;
  const record = readModels.getDocument<AuditRecord>(AUDIT_TRAIL, auditKey(signed.position.commit));
  t.like(record, { type: 'EnvelopeSigned', schemaVersion: 2, outcome: 'signed', actor: 'svc:ci', hash: signed.metadata.hash });
  t.deepEqual(record?.keyIds, ['ci-key', 'release-key']);
  t.deepEqual(record?.subjects, [`sha256:${'b'.repeat(64)}`]);
  t.like(readModels.getDocument<KeyRegistryDocument>(KEY_REGISTRY, 'ci-key'), { status: 'revoked' });

  const after = await store.readAll();
  t.deepEqual(after, stored, 'folding rewrote nothing');
  t.is(after.find((e) => e.id === signed.id)?.schemaVersion, 1);
  for (const stream of new Set(after.map((e) => e.stream))) t.true((await store.verifyChain(stream)).ok, stream);
});

test('the signing service now writes EnvelopeSigned v2, which the upcasters leave as it is', async (t) => {
  const f = signingFixture();
  t.teardown(() => f.close());
  const key = await f.keys.create({ name: 'k', provider: 'file' });
  const signed = await f.signing.sign({ keyIds: [key.keyId], payloadType: 'text/plain', payload: Buffer.from('hello') });
  const [event] = await f.store.readAll({ filter: { eventTypePrefixes: ['EnvelopeSigned'] } });
  if (event === undefined) return t.fail('no EnvelopeSigned event');
  t.is(event.schemaVersion, 2);
  t.false('keyId' in (event.data as object));
  t.is(upcast(event), event);
  t.deepEqual((event.data as EnvelopeSignedData).signers.map((s) => s.keyId), [key.keyId]);
  t.true((await f.verification.verifyStored(signed.envelopeDigest)).valid);
});
