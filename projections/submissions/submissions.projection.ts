import type { SubmissionEvent } from '../../domain/attestations/submission.events';
import { statusOfRequiredLogs } from '../../domain/attestations/submission.state';
import { SUBMISSION_EVENT_TYPES } from '../../domain/attestations/submission.events';
import type { RecordedEvent } from '../../domain/events/event';
import type { Projection } from '../projection';
import type { LogView, PendingView, SubmissionView } from './submission-view';

export const SUBMISSIONS = 'submissions';
export const submissionKey = (id: string): string => `sub:${id}`;
export const pendingKey = (id: string): string => `pending:${id}`;

type Doc = SubmissionView | PendingView;

/**
 * Submissions and the worker's queue. `sub:<id>` holds the whole story of a
 * submission; `pending:<id>` exists while some log still waits for its entry,
 * and disappears when none does.
 */
export const submissionsProjection: Projection<Doc> = {
  name: SUBMISSIONS,
  version: 1,
  handles: SUBMISSION_EVENT_TYPES,
  keysOf: (e: RecordedEvent) => {
    const id = (e.data as { submissionId: string }).submissionId;
    return [submissionKey(id), pendingKey(id)];
  },
  evolve: (doc, recorded, key) => {
    const event = { type: recorded.type, data: recorded.data } as SubmissionEvent;
    if (key.startsWith('sub:')) return evolveView(doc as SubmissionView | null, event, recorded.metadata.occurredAt);
    const view = evolveView(null, event, recorded.metadata.occurredAt);
    return evolvePending(doc as PendingView | null, event, view);
  },
};

function evolveView(view: SubmissionView | null, event: SubmissionEvent, at: string): SubmissionView | null {
  if (event.type === 'SubmissionRequested') {
    if (view) return view;
    const d = event.data;
    const logs = Object.fromEntries(
      d.logs.map((l): [string, LogView] => [l.name, { required: l.required, status: 'pending', attempts: [], nextAttemptAt: null, uuid: null, logIndex: null, reason: null }]),
    );
    return { submissionId: d.submissionId, envelopeDigest: d.envelopeDigest, payloadType: d.payloadType, subjects: d.subjects, status: 'pending', logs, requestedAt: d.requestedAt, updatedAt: at };
  }
  if (!view) return view;
  const log = view.logs[event.data.log];
  if (!log) return view;
  let next: LogView;
  switch (event.type) {
    case 'SubmissionAttempted': {
      const d = event.data;
      next = { ...log, attempts: [...log.attempts, { attempt: d.attempt, outcome: d.outcome, error: d.error, at: d.attemptedAt, nextAttemptAt: d.nextAttemptAt }], nextAttemptAt: d.nextAttemptAt };
      break;
    }
    case 'EntryLogged':
      next = { ...log, status: 'logged', uuid: event.data.uuid, logIndex: event.data.logIndex, nextAttemptAt: null };
      break;
    case 'SubmissionAbandoned':
      next = { ...log, status: 'abandoned', reason: event.data.reason, nextAttemptAt: null };
      break;
    case 'SubmissionRequeued':
      next = { ...log, status: 'pending', reason: null, nextAttemptAt: null };
      break;
    default: {
      const unhandled: never = event;
      throw new Error(`unhandled ${JSON.stringify(unhandled)}`);
    }
  }
  const logs = { ...view.logs, [event.data.log]: next };
  const status = statusOfRequiredLogs(Object.values(logs).filter((l) => l.required).map((l) => l.status));
  return { ...view, logs, status, updatedAt: at };
}

function evolvePending(pending: PendingView | null, event: SubmissionEvent, requested: SubmissionView | null): PendingView | null {
  const id = event.data.submissionId;
  let due: Record<string, string | null> = { ...(pending?.due ?? {}) };
  switch (event.type) {
    case 'SubmissionRequested':
      if (pending) return pending;
      due = Object.fromEntries(Object.keys(requested?.logs ?? {}).map((name) => [name, null]));
      break;
    case 'SubmissionAttempted':
      if (!(event.data.log in due)) return pending;
      if (event.data.nextAttemptAt === null) delete due[event.data.log];
      else due[event.data.log] = event.data.nextAttemptAt;
      break;
    case 'EntryLogged':
    case 'SubmissionAbandoned':
      delete due[event.data.log];
      break;
    case 'SubmissionRequeued':
      due[event.data.log] = null;
      break;
    default: {
      const unhandled: never = event;
      throw new Error(`unhandled ${JSON.stringify(unhandled)}`);
    }
  }
  return Object.keys(due).length === 0 ? null : { submissionId: id, due };
}
