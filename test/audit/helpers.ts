import { randomUUID } from 'node:crypto';
import type { EventContext, EventId, RecordedEvent, StreamName } from '../../domain/events/event';
import { streamName } from '../../domain/events/stream-name';
import type { EventStore } from '../../src/ports/event-store';
import { importFixture, readFixture } from '../migrations/fixture';

export const SUBJECT_A = `sha256:${'a'.repeat(64)}`;
export const SUBJECT_B = `sha256:${'b'.repeat(64)}`;

/** A recorded event for pure tests of projections. */
export function recorded(type: string, data: unknown, options: { position?: bigint; stream?: string; schemaVersion?: number; metadata?: Partial<EventContext> } = {}): RecordedEvent {
  const position = options.position ?? 1n;
  return {
    id: randomUUID() as EventId,
    stream: (options.stream ?? 'thing-1') as StreamName,
    revision: 0n,
    position: { commit: position, prepare: position },
    type,
    schemaVersion: options.schemaVersion ?? 1,
    data,
    metadata: {
      tenant: 'acme',
      actor: 'user:alice',
      correlationId: 'corr-1',
      causationId: null,
      occurredAt: '2025-03-03T14:00:00.000Z',
      prevHash: '0'.repeat(64),
      hash: 'f'.repeat(64),
      ...options.metadata,
    },
  };
}

/**
 * A small but realistic ledger: the v1 signing fixture (two keys, two
 * envelopes over subjects A and B, a rotation, a revocation; 9 events,
 * 13:58–14:02 on 2025-03-03, tenant acme), then the attestation pipeline for
 * the envelope over A (positions 10–12) and a verification of B by another
 * tenant (position 13).
 */
export async function seedLedger(store: EventStore): Promise<{ envelopeA: string; envelopeB: string }> {
  const fixture = readFixture('signing.v1.ndjson');
  await importFixture(store, fixture);
  const [signedA, signedB] = fixture.filter((e) => e.type === 'EnvelopeSigned').map((e) => (e.data as { envelopeDigest: string }).envelopeDigest);
  const envelopeA = signedA!;
  const envelopeB = signedB!;
  const ctx = (occurredAt: string, extra: Partial<EventContext> = {}): EventContext => ({
    tenant: 'acme',
    actor: 'svc:submitter',
    correlationId: 'pipeline-1',
    causationId: null,
    occurredAt,
    ...extra,
  });
  const subjects = [{ name: 'app.tar.gz', digest: { sha256: 'a'.repeat(64) } }];
  const submission = streamName('submission', 'sub-1');
  const event = (type: string, data: unknown, metadata: EventContext) => ({ id: randomUUID() as EventId, type, schemaVersion: 1, data, metadata });
  await store.append(submission, [
    event('SubmissionRequested', { submissionId: 'sub-1', envelopeDigest: envelopeA, payloadType: 'application/vnd.in-toto+json', subjects, verifiers: [], logs: [{ name: 'rekor-v1', required: true }, { name: 'local-v2', required: false }], requestedAt: '2025-03-03T14:03:00.000Z' }, ctx('2025-03-03T14:03:00.000Z')),
  ]);
  await store.append(submission, [
    event('SubmissionAttempted', { submissionId: 'sub-1', log: 'rekor-v1', attempt: 1, outcome: 'failed', error: 'timeout', attemptedAt: '2025-03-03T14:03:01.000Z', nextAttemptAt: '2025-03-03T14:03:05.000Z' }, ctx('2025-03-03T14:03:01.000Z')),
  ]);
  await store.append(submission, [
    event('EntryLogged', { submissionId: 'sub-1', envelopeDigest: envelopeA, subjects, log: 'rekor-v1', uuid: 'u-1', logIndex: 42, integratedTime: 1741010585, inclusionProof: {}, checkpoint: '', set: null, tlogEntry: {}, loggedAt: '2025-03-03T14:03:05.000Z' }, ctx('2025-03-03T14:03:05.000Z')),
  ]);
  await store.append(streamName('verification', 'v-1'), [
    event('VerificationPerformed', { subject: 'b'.repeat(64), envelopeDigest: envelopeB, policyDigest: 'c'.repeat(64), outcome: 'failed', failedChecks: ['tlog-inclusion'] }, ctx('2025-03-03T14:04:00.000Z', { tenant: 'globex', actor: 'user:carol', correlationId: 'verify-1' })),
  ]);
  return { envelopeA, envelopeB };
}
