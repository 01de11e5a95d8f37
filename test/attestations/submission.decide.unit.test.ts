import test from 'ava';
import { DEFAULT_RETRY_POLICY, backoffDelayMs } from '../../domain/attestations/retry-policy';
import type { SubmissionCommand } from '../../domain/attestations/submission.commands';
import { decide } from '../../domain/attestations/submission.decide';
import { InvalidSubmissionError, SubmissionStateError } from '../../domain/attestations/submission.errors';
import type { SubmissionEvent } from '../../domain/attestations/submission.events';
import { foldSubmission, NO_SUBMISSION, submissionStatus, type SubmissionState } from '../../domain/attestations/submission.state';

const NOW = '2026-03-03T14:00:00.000Z';
const ctx = { now: NOW, retry: { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 8000 } };
const DIGEST = 'd'.repeat(64);

const request: SubmissionCommand = {
  type: 'RequestSubmission',
  submissionId: DIGEST,
  envelopeDigest: DIGEST,
  payloadType: 'application/vnd.in-toto+json',
  subjects: [{ name: 'sbom', digest: { sha256: 'a'.repeat(64) } }],
  verifiers: ['-----BEGIN PUBLIC KEY-----'],
  logs: [
    { name: 'primary', required: true },
    { name: 'mirror', required: false },
  ],
};

/** Given these events, when this command, then: the events decided. */
function given(...commands: SubmissionCommand[]): { state: SubmissionState; events: SubmissionEvent[] } {
  const events: SubmissionEvent[] = [];
  let state = NO_SUBMISSION;
  for (const c of commands) {
    const decided = decide(c, state, ctx);
    events.push(...decided);
    state = foldSubmission(events);
  }
  return { state, events };
}

const entry = (log: string): SubmissionCommand => ({
  type: 'RecordEntry',
  entry: { log, uuid: 'u'.repeat(64), logIndex: 7, integratedTime: 1, inclusionProof: { logIndex: 7, rootHash: 'r', treeSize: 8, hashes: [] }, checkpoint: 'cp', set: null, tlogEntry: {} },
});
const failure = (log: string, retryable = true): SubmissionCommand => ({ type: 'RecordAttempt', log, error: 'HTTP 503', retryable, jitter: 0.5 });

test('requesting a submission records it once; asking again decides nothing', (t) => {
  const { state, events } = given(request, request);
  t.deepEqual(events.map((e) => e.type), ['SubmissionRequested']);
  t.true(state.exists);
});

test('a submission needs at least one required log, each named once', (t) => {
  t.throws(() => decide({ ...request, type: 'RequestSubmission', logs: [{ name: 'm', required: false }] }, NO_SUBMISSION, ctx), { instanceOf: InvalidSubmissionError });
  t.throws(() => decide({ ...request, type: 'RequestSubmission', logs: [{ name: 'a', required: true }, { name: 'a', required: true }] }, NO_SUBMISSION, ctx), { message: /listed twice/ });
  t.throws(() => decide({ ...request, type: 'RequestSubmission', envelopeDigest: 'nope' }, NO_SUBMISSION, ctx), { message: /hex SHA-256/ });
});

test('a failed attempt schedules the next one with jittered exponential backoff', (t) => {
  const { events, state } = given(request, failure('primary'), failure('primary'));
  const attempts = events.filter((e) => e.type === 'SubmissionAttempted');
  t.is(attempts.length, 2);
  t.is(attempts[1]!.type === 'SubmissionAttempted' ? attempts[1]!.data.nextAttemptAt : '', new Date(Date.parse(NOW) + 1000).toISOString());
  t.true(state.exists && state.logs['primary']?.status === 'pending');
});

test('the retry budget spent, the log is abandoned and a required log fails the submission', (t) => {
  const { events, state } = given(request, failure('primary'), failure('primary'), failure('primary'));
  t.deepEqual(events.slice(-2).map((e) => e.type), ['SubmissionAttempted', 'SubmissionAbandoned']);
  t.true(state.exists && submissionStatus(state) === 'failed');
});

test('a refusal by the log is not retried', (t) => {
  const { events } = given(request, failure('primary', false));
  t.deepEqual(events.slice(1).map((e) => e.type), ['SubmissionAttempted', 'SubmissionAbandoned']);
  t.true(events[1]?.type === 'SubmissionAttempted' && events[1].data.outcome === 'rejected');
});

test('recording the same entry twice (a crashed worker retrying) decides nothing the second time', (t) => {
  const { events, state } = given(request, entry('primary'), entry('primary'));
  t.deepEqual(events.map((e) => e.type), ['SubmissionRequested', 'EntryLogged']);
  t.true(state.exists && submissionStatus(state) === 'logged', 'logged once the required log is, mirrors aside');
});

test('a late failure report for a logged log changes nothing', (t) => {
  const { events } = given(request, entry('primary'), failure('primary'));
  t.is(events.length, 2);
});

test('only an abandoned log can be requeued, and it is pending again', (t) => {
  t.throws(() => given(request, { type: 'Requeue', log: 'primary', reason: 'ops' }), { instanceOf: SubmissionStateError });
  const { state } = given(request, failure('primary', false), { type: 'Requeue', log: 'primary', reason: 'log fixed' });
  t.true(state.exists && state.logs['primary']?.status === 'pending');
});

test('backoff never exceeds its cap, whatever the attempt', (t) => {
  for (let n = 1; n < 100; n++) t.true(backoffDelayMs(DEFAULT_RETRY_POLICY, n, 0.999) < DEFAULT_RETRY_POLICY.maxDelayMs);
});
