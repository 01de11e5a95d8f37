import test from 'ava';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { SqliteEventStore } from '../../adapters/event-store/sqlite/sqlite.event-store';
import { SqliteReadModelStore } from '../../adapters/read-models/sqlite.read-model-store';
import type { EventContext, EventId, NewEvent, RecordedEvent } from '../../domain/events/event';
import { streamName } from '../../domain/events/stream-name';
import { currentSchemaVersion, eventUpcasters, readableVersions, writtenVersions } from '../../migrations/events';
import { AUDIT_TRAIL, auditTrailProjection } from '../../projections/audit-trail/audit-trail.projection';
import { KEY_REGISTRY, keyRegistryProjection, type KeyRegistryDocument } from '../../projections/key-registry/key-registry.projection';
import { submissionsProjection } from '../../projections/submissions/submissions.projection';
import { loadSubmission } from '../../src/attestations/submission-stream';
import { UnsupportedEventVersionError } from '../../src/errors/app-error';
import { readCurrent } from '../../src/events/read-current';
import { verifyLedger } from '../../src/ledger/ledger-verification';
import { foldInMemory } from '../../src/projections-runtime/fold-batch';
import { ProjectionRunner } from '../../src/projections-runtime/projection-runner';
import { rebuildProjection } from '../../src/projections-runtime/rebuild';
import { loadKey } from '../../src/signing/key-stream';
import { VerificationService } from '../../src/signing/verification.service';
import { recorded } from '../audit/helpers';
import { fixture as signingFixture } from '../signing/helpers/fixture';
import { tempDir } from '../support/temp-dir';
import { copyWithV1Signings, importFixture, readFixture } from './fixture';

const context: EventContext = { tenant: 'acme', actor: 'user:newer-build', correlationId: 'corr-9', causationId: null, occurredAt: '2025-03-03T15:00:00.000Z' };

/** An event as a newer Attestor would write it: a known type at a version this build does not know. */
function fromANewerBuild(type: string, data: unknown, schemaVersion = 2): NewEvent {
  return { id: randomUUID() as EventId, type, schemaVersion, data, metadata: context };
}

function aStore(t: Parameters<typeof tempDir>[0]): SqliteEventStore {
  const store = SqliteEventStore.open(join(tempDir(t), 'events.sqlite'));
  t.teardown(() => store.close());
  return store;
}

/** The v1 signing fixture (keys release-key and ci-key, two EnvelopeSigned v1) in a fresh store. */
async function aStoreWithTheV1Fixture(t: Parameters<typeof tempDir>[0]): Promise<SqliteEventStore> {
  const store = aStore(t);
  await importFixture(store, readFixture('signing.v1.ndjson'));
  return store;
}

const releaseKeyStream = streamName('key', 'release-key');

// --- The rule -------------------------------------------------------------------------------------------

test('an event at a version newer than this build reads is refused with one typed error that names the stream, type, stored version and readable versions, and says to upgrade', (t) => {
  const stored = recorded('KeyRotated', { keyId: 'k' }, { stream: 'key-k', schemaVersion: 7 });
  const error = t.throws(() => readCurrent(stored), { instanceOf: UnsupportedEventVersionError });
  if (!(error instanceof UnsupportedEventVersionError)) return;
  t.is(error.code, 'unsupported_event_version');
  t.is(error.status, 503);
  t.regex(error.message, /^stream key-k holds a KeyRotated event \(id [0-9a-f-]{36}\) stored at schema version 7, which this build of Attestor does not know \(it reads KeyRotated at v1\): the event was written by a newer Attestor\. Upgrade Attestor to a build that reads KeyRotated v7\.$/);
  t.deepEqual(error.details, { stream: 'key-k', eventId: stored.id, eventType: 'KeyRotated', storedVersion: 7, readableVersions: [1] });
});

test('an old version that no upcaster lifts to the current shape is refused with the same error', (t) => {
  // EnvelopeSigned reads at v1 (through v1 → v2) and v2; a v0 has no path.
  const error = t.throws(() => readCurrent(recorded('EnvelopeSigned', {}, { stream: `envelope-${'a'.repeat(64)}`, schemaVersion: 0 })), { instanceOf: UnsupportedEventVersionError });
  t.regex(error?.message ?? '', /stored at schema version 0, which no upcaster of this build of Attestor lifts to the current shape \(it reads EnvelopeSigned at v1, v2\)/);
});

test('a current event reads as the very same object; an event of a type this build does not know passes as stored', (t) => {
  const current = recorded('KeyCreated', { keyId: 'k' }, { stream: 'key-k' });
  t.is(readCurrent(current), current);
  const unknown = recorded('SomethingANewerBuildInvented', { x: 1 }, { schemaVersion: 9 });
  t.is(readCurrent(unknown), unknown);
});

test('every known event type reads at its writer version, and every upcaster chain ends there', (t) => {
  for (const [type, written] of writtenVersions) {
    t.is(currentSchemaVersion(type), written, type);
    t.is(readableVersions(type).at(-1), written, type);
  }
  for (const step of eventUpcasters) {
    t.true(writtenVersions.has(step.type), `${step.type} is a known event type`);
    t.true(step.fromVersion < writtenVersions.get(step.type)!, `${step.type} v${step.fromVersion} lifts to at most the writer version`);
  }
  t.deepEqual(readableVersions('EnvelopeSigned'), [1, 2]);
  t.deepEqual(readableVersions('KeyCreated'), [1]);
});

// --- Stream readers -------------------------------------------------------------------------------------

test('loading a key whose stream holds a key event from a newer build fails with that error, not a plain Error', async (t) => {
  const store = await aStoreWithTheV1Fixture(t);
  await store.append(releaseKeyStream, [fromANewerBuild('KeyRotated', { keyId: 'release-key', newVersion: 2, rotatedAt: context.occurredAt, reason: 'a field v1 never had' })]);
  const error = await t.throwsAsync(loadKey(store, 'release-key'), { instanceOf: UnsupportedEventVersionError });
  t.like(error?.details, { stream: 'key-release-key', eventType: 'KeyRotated', storedVersion: 2, readableVersions: [1] });
  // Other keys still load.
  t.true((await loadKey(store, 'ci-key')).state.exists);
});

test('loading a submission whose stream holds an event from a newer build fails with that error', async (t) => {
  const store = aStore(t);
  const id = 'c'.repeat(64);
  const stream = streamName('submission', id);
  await store.append(stream, [
    { ...fromANewerBuild('SubmissionRequested', { submissionId: id, envelopeDigest: id, payloadType: 'text/plain', subjects: [], verifiers: [], logs: [], requestedAt: context.occurredAt }), schemaVersion: 1 },
  ]);
  await store.append(stream, [fromANewerBuild('SubmissionAttempted', { submissionId: id, log: 'rekor', attempt: 1, outcome: 'queued-remotely' }, 3)]);
  const error = await t.throwsAsync(loadSubmission(store, id), { instanceOf: UnsupportedEventVersionError });
  t.regex(error?.message ?? '', new RegExp(`stream submission-${id} holds a SubmissionAttempted event .* stored at schema version 3, .*Upgrade Attestor to a build that reads SubmissionAttempted v3\\.`));
});

test('verifying a ledger whose key stream holds an event from a newer build fails with that error', async (t) => {
  const store = await aStoreWithTheV1Fixture(t);
  await store.append(releaseKeyStream, [fromANewerBuild('KeyRevoked', { keyId: 'release-key', version: 1 })]);
  await t.throwsAsync(verifyLedger(store), { instanceOf: UnsupportedEventVersionError, message: /KeyRevoked .* schema version 2/ });
});

// --- Projections ----------------------------------------------------------------------------------------

test('a projection meeting an event from a newer build stops, marked failed with the message, and keeps its last good state', async (t) => {
  const dir = tempDir(t);
  const store = await aStoreWithTheV1Fixture(t);
  const readModels = SqliteReadModelStore.open(join(dir, 'read-models.sqlite'));
  t.teardown(() => readModels.close());
  const registry = new ProjectionRunner(store, readModels, keyRegistryProjection);
  const submissions = new ProjectionRunner(store, readModels, submissionsProjection);
  registry.prepare();
  submissions.prepare();
  const feed = (events: readonly RecordedEvent[]): void => {
    for (const e of events) {
      registry.accept(e);
      submissions.accept(e);
    }
    registry.flush();
    submissions.flush();
  };
  feed(await store.readAll());
  const before = readModels.getDocument<KeyRegistryDocument>(KEY_REGISTRY, 'release-key');
  const checkpoint = readModels.checkpoint(KEY_REGISTRY);
  t.truthy(before);

  await store.append(releaseKeyStream, [fromANewerBuild('KeyRotated', { keyId: 'release-key', newVersion: 2 })]);
  feed(await store.readAll({ fromPosition: checkpoint!.position }));

  t.regex(registry.status().failed ?? '', /^stream key-release-key holds a KeyRotated event .* stored at schema version 2, .*Upgrade Attestor to a build that reads KeyRotated v2\.$/);
  t.deepEqual(readModels.getDocument(KEY_REGISTRY, 'release-key'), before, 'nothing of the unreadable batch was folded');
  t.deepEqual(readModels.checkpoint(KEY_REGISTRY), checkpoint);
  t.is(submissions.status().failed, null, 'a projection that does not fold key events goes on');
});

test('a rebuild, and an in-memory fold, meeting an event from a newer build fail with that error', async (t) => {
  const dir = tempDir(t);
  const store = await aStoreWithTheV1Fixture(t);
  const readModels = SqliteReadModelStore.open(join(dir, 'read-models.sqlite'));
  t.teardown(() => readModels.close());
  await store.append(releaseKeyStream, [fromANewerBuild('KeyRotated', { keyId: 'release-key', newVersion: 2 })]);
  await t.throwsAsync(rebuildProjection(store, readModels, auditTrailProjection), { instanceOf: UnsupportedEventVersionError });
  const keyEvents = await store.readStream(releaseKeyStream);
  t.throws(() => foldInMemory(keyRegistryProjection, keyEvents), { instanceOf: UnsupportedEventVersionError });
});

// --- Old versions with an upcaster ------------------------------------------------------------------------

test('an EnvelopeSigned v1 is read through its upcaster by the verification service, the projections and the in-memory folds', async (t) => {
  const f = signingFixture();
  t.teardown(() => f.close());
  const key = await f.keys.create({ name: 'k', provider: 'file' });
  const signed = await f.signing.sign({ keyIds: [key.keyId], payloadType: 'text/plain', payload: Buffer.from('hello') });
  const v1Store = aStore(t);
  await copyWithV1Signings(f.store, v1Store);
  const [stored] = await v1Store.readAll({ filter: { eventTypePrefixes: ['EnvelopeSigned'] } });
  t.is(stored?.schemaVersion, 1);
  t.is((stored?.data as { keyId?: string }).keyId, key.keyId);

  const read = readCurrent(stored!);
  t.is(read.schemaVersion, 2);
  t.false('keyId' in (read.data as object));

  const verification = new VerificationService(v1Store, f.archive);
  const verdict = await verification.verifyStored(signed.envelopeDigest);
  t.true(verdict.valid, JSON.stringify(verdict));
  t.deepEqual(verdict.signatures.map((s) => s.keyId), [key.keyId]);
  t.true((await verification.verifySigned(signed.envelope, signed.envelopeDigest)).valid);

  const audit = [...foldInMemory(auditTrailProjection, await v1Store.readAll()).values()];
  t.like(audit.find((r) => 'type' in r && r.type === 'EnvelopeSigned'), { schemaVersion: 2, keyIds: [key.keyId] });

  const dir = tempDir(t);
  const readModels = SqliteReadModelStore.open(join(dir, 'read-models.sqlite'));
  t.teardown(() => readModels.close());
  await rebuildProjection(v1Store, readModels, auditTrailProjection);
  t.true(readModels.listDocuments<{ type: string; schemaVersion: number }>(AUDIT_TRAIL).some((d) => d.doc.type === 'EnvelopeSigned' && d.doc.schemaVersion === 2));
});
