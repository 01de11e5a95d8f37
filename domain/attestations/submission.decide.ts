import { backoffDelayMs, type RetryPolicy } from './retry-policy';
import type { RecordAttempt, RecordEntry, Requeue, RequestSubmission, SubmissionCommand } from './submission.commands';
import { InvalidSubmissionError, SubmissionNotFoundError, SubmissionStateError } from './submission.errors';
import type { SubmissionEvent } from './submission.events';
import type { SubmissionRecord, SubmissionState } from './submission.state';

export interface DecideContext {
  /** RFC 3339 UTC, from the injected clock. */
  readonly now: string;
  readonly retry: RetryPolicy;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
const LOG_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/**
 * The submission process: pure, so retries, crashes and concurrent workers
 * are settled by replaying events. Repeating a request or an entry that is
 * already recorded decides nothing new (idempotence), which is what makes a
 * worker killed mid-drain safe to restart.
 */
export function decide(command: SubmissionCommand, state: SubmissionState, ctx: DecideContext): SubmissionEvent[] {
  switch (command.type) {
    case 'RequestSubmission':
      return request(command, state, ctx);
    case 'RecordAttempt':
      return attempt(command, existing(state), ctx);
    case 'RecordEntry':
      return entry(command, existing(state), ctx);
    case 'Requeue':
      return requeue(command, existing(state), ctx);
    default: {
      const unhandled: never = command;
      throw new Error(`unhandled submission command ${JSON.stringify(unhandled)}`);
    }
  }
}

function existing(state: SubmissionState): SubmissionRecord {
  if (!state.exists) throw new SubmissionNotFoundError('(unknown)');
  return state;
}

function request(c: RequestSubmission, state: SubmissionState, { now }: DecideContext): SubmissionEvent[] {
  if (state.exists) return [];
  if (!SHA256_HEX.test(c.envelopeDigest)) throw new InvalidSubmissionError('envelopeDigest must be a hex SHA-256 digest');
  if (c.logs.length === 0) throw new InvalidSubmissionError('a submission needs at least one transparency log');
  if (!c.logs.some((l) => l.required)) throw new InvalidSubmissionError('at least one log must be required');
  const names = new Set<string>();
  for (const l of c.logs) {
    if (!LOG_NAME.test(l.name)) throw new InvalidSubmissionError(`log name ${JSON.stringify(l.name)} is not valid`);
    if (names.has(l.name)) throw new InvalidSubmissionError(`log ${l.name} is listed twice`);
    names.add(l.name);
  }
  return [
    {
      type: 'SubmissionRequested',
      data: {
        submissionId: c.submissionId,
        envelopeDigest: c.envelopeDigest,
        payloadType: c.payloadType,
        subjects: c.subjects,
        verifiers: c.verifiers,
        logs: c.logs,
        requestedAt: now,
      },
    },
  ];
}

function attempt(c: RecordAttempt, s: SubmissionRecord, { now, retry }: DecideContext): SubmissionEvent[] {
  const progress = s.logs[c.log];
  if (!progress) throw new InvalidSubmissionError(`submission ${s.request.submissionId} does not go to log ${c.log}`);
  // A late failure report for a log that already has its entry (or was given up) changes nothing.
  if (progress.status !== 'pending') return [];
  const number = progress.attempts + 1;
  const last = !c.retryable || number >= retry.maxAttempts;
  const next = last ? null : new Date(Date.parse(now) + backoffDelayMs(retry, number, c.jitter)).toISOString();
  const base = { submissionId: s.request.submissionId, log: c.log };
  const events: SubmissionEvent[] = [
    { type: 'SubmissionAttempted', data: { ...base, attempt: number, outcome: c.retryable ? 'failed' : 'rejected', error: c.error, attemptedAt: now, nextAttemptAt: next } },
  ];
  if (last) {
    const reason = c.retryable ? `gave up after ${number} attempts: ${c.error}` : `the log refused the entry: ${c.error}`;
    events.push({ type: 'SubmissionAbandoned', data: { ...base, reason, abandonedAt: now } });
  }
  return events;
}

function entry(c: RecordEntry, s: SubmissionRecord, { now }: DecideContext): SubmissionEvent[] {
  const progress = s.logs[c.entry.log];
  if (!progress) throw new InvalidSubmissionError(`submission ${s.request.submissionId} does not go to log ${c.entry.log}`);
  if (progress.status === 'logged') return [];
  return [{ type: 'EntryLogged', data: { ...c.entry, submissionId: s.request.submissionId, envelopeDigest: s.request.envelopeDigest, subjects: s.request.subjects, loggedAt: now } }];
}

function requeue(c: Requeue, s: SubmissionRecord, { now }: DecideContext): SubmissionEvent[] {
  const progress = s.logs[c.log];
  if (!progress) throw new InvalidSubmissionError(`submission ${s.request.submissionId} does not go to log ${c.log}`);
  if (progress.status !== 'abandoned') {
    throw new SubmissionStateError(`log ${c.log} of submission ${s.request.submissionId} is ${progress.status}, not abandoned: only abandoned submissions can be requeued`);
  }
  return [{ type: 'SubmissionRequeued', data: { submissionId: s.request.submissionId, log: c.log, reason: c.reason, requeuedAt: now } }];
}
