import test from 'ava';
import type { AuditRecord } from '../../projections/audit-trail/audit-record';
import { normalizeDigest } from '../../projections/audit-trail/audit-what';
import { auditIndexPrefix, auditKey, auditTrailProjection } from '../../projections/audit-trail/audit-trail.projection';
import { foldInMemory } from '../../src/projections-runtime/fold-batch';
import { recorded, SUBJECT_A } from './helpers';

const recordOf = (type: string, data: unknown, position = 7n): AuditRecord => {
  const docs = foldInMemory(auditTrailProjection, [recorded(type, data, { position })]);
  return docs.get(auditKey(position)) as AuditRecord;
};

test('every record says who, when and why from the metadata', (t) => {
  const docs = foldInMemory(auditTrailProjection, [recorded('ThingHappened', {}, { position: 3n, metadata: { tenant: 't1', actor: 'bob', causationId: 'ev-0' } })]);
  t.like(docs.get('00000000000000000003'), {
    position: '3',
    tenant: 't1',
    actor: 'bob',
    occurredAt: '2025-03-03T14:00:00.000Z',
    correlationId: 'corr-1',
    causationId: 'ev-0',
    type: 'ThingHappened',
    subjects: [],
    keyIds: [],
    envelopeDigest: null,
    logs: [],
    outcome: null,
  });
});

test('a key event names its key and what happened to it', (t) => {
  t.like(recordOf('KeyRevoked', { keyId: 'k-1', version: 'all', versions: [1, 2], reason: 'leaked', effectiveAt: 'x', revokedAt: 'y' }), {
    keyIds: ['k-1'],
    outcome: 'revoked',
    details: { version: 'all', versions: [1, 2], reason: 'leaked', effectiveAt: 'x' },
  });
  t.like(recordOf('KeyRotated', { keyId: 'k-1', fromVersion: 1, toVersion: 2 }), { keyIds: ['k-1'], outcome: 'rotated', details: { fromVersion: 1, toVersion: 2 } });
});

test('an EnvelopeSigned record names its subjects, every signing key and the envelope', (t) => {
  const r = recordOf('EnvelopeSigned', {
    envelopeDigest: 'e'.repeat(64),
    payloadType: 'application/vnd.in-toto+json',
    payloadDigest: 'p'.repeat(64),
    subjects: [{ name: 'x', digest: { sha256: 'A'.repeat(64), sha512: 'b'.repeat(128) } }],
    signers: [{ keyId: 'zeta', keyVersion: 2, fingerprint: 'f1', keyRevision: 3 }, { keyId: 'alpha', keyVersion: 1, fingerprint: 'f2', keyRevision: 1 }],
  });
  t.deepEqual(r.subjects, [SUBJECT_A, `sha512:${'b'.repeat(128)}`]);
  t.deepEqual(r.keyIds, ['alpha', 'zeta']);
  t.is(r.envelopeDigest, 'e'.repeat(64));
  t.is(r.outcome, 'signed');
  t.deepEqual(r.details['signers'], [{ keyId: 'zeta', keyVersion: 2, fingerprint: 'f1' }, { keyId: 'alpha', keyVersion: 1, fingerprint: 'f2' }]);
});

test('pipeline events name their logs and outcomes, read by type name alone', (t) => {
  const subjects = [{ name: 'x', digest: { sha256: 'a'.repeat(64) } }];
  t.like(recordOf('SubmissionRequested', { submissionId: 's', envelopeDigest: 'e', subjects, logs: [{ name: 'rekor', required: true }, { name: 'local', required: false }] }), {
    subjects: [SUBJECT_A],
    envelopeDigest: 'e',
    logs: ['local', 'rekor'],
    outcome: 'requested',
  });
  t.like(recordOf('SubmissionAttempted', { submissionId: 's', log: 'rekor', attempt: 2, outcome: 'rejected', error: 'bad entry' }), {
    logs: ['rekor'],
    outcome: 'rejected',
    details: { attempt: 2, error: 'bad entry' },
  });
  t.like(recordOf('EntryLogged', { submissionId: 's', envelopeDigest: 'e', subjects, log: 'rekor', uuid: 'u', logIndex: 9 }), {
    subjects: [SUBJECT_A],
    logs: ['rekor'],
    outcome: 'logged',
    details: { uuid: 'u', logIndex: 9 },
  });
  t.like(recordOf('SubmissionAbandoned', { submissionId: 's', log: 'rekor', reason: 'budget spent' }), { logs: ['rekor'], outcome: 'abandoned' });
  t.like(recordOf('VerificationPerformed', { subject: 'a'.repeat(64), envelopeDigest: 'e', policyDigest: 'p', outcome: 'failed', failedChecks: ['sig'] }), {
    subjects: [SUBJECT_A],
    outcome: 'failed',
    details: { policyDigest: 'p', failedChecks: ['sig'] },
  });
});

test('data of an unexpected shape gives an emptier record, never an exception', (t) => {
  for (const data of [null, 'text', 42, [], { subjects: 'nope', signers: [null, 3], keyId: 7, logs: [null] }]) {
    for (const type of ['EnvelopeSigned', 'KeyCreated', 'SubmissionRequested', 'VerificationPerformed']) {
      t.notThrows(() => recordOf(type, data), `${type} ${JSON.stringify(data)}`);
    }
  }
  t.deepEqual(recordOf('EnvelopeSigned', { subjects: 'nope', signers: [null, 3], keyId: 7 }).keyIds, []);
});

test('index documents point each subject and key at the record, in global order', (t) => {
  const event = recorded('EnvelopeSigned', { envelopeDigest: 'e'.repeat(64), subjects: [{ name: 'x', digest: { sha256: 'a'.repeat(64) } }], signers: [{ keyId: 'k:1' }] }, { position: 12n });
  t.deepEqual(auditTrailProjection.keysOf(event), [
    '00000000000000000012',
    `subject:sha256%3A${'a'.repeat(64)}:00000000000000000012`,
    'key:k%3A1:00000000000000000012',
  ]);
  t.deepEqual(auditTrailProjection.evolve(null, event, 'key:k%3A1:00000000000000000012'), { position: '12' });
  t.false('key:k%3A1:'.startsWith(auditIndexPrefix('key', 'k')), 'a key id containing ":" cannot fall under a shorter key id');
});

test('digests have one spelling: algorithm, colon, lower-case hex', (t) => {
  t.is(normalizeDigest('A'.repeat(64)), SUBJECT_A);
  t.is(normalizeDigest(`SHA256:${'A'.repeat(64)}`), SUBJECT_A);
  t.is(normalizeDigest(' sha512:ABC '), 'sha512:abc');
});
