import type { LogTarget } from './log-target';
import type { EntryLogged, SubmissionEvent, SubmissionRequested } from './submission.events';

export type LogProgress =
  | { readonly status: 'pending'; readonly attempts: number; readonly nextAttemptAt: string | null; readonly lastError: string | null }
  | { readonly status: 'logged'; readonly attempts: number; readonly entry: EntryLogged['data'] }
  | { readonly status: 'abandoned'; readonly attempts: number; readonly reason: string };

export interface SubmissionRecord {
  readonly request: SubmissionRequested['data'];
  readonly logs: Readonly<Record<string, LogProgress>>;
}

export type SubmissionState = { readonly exists: false } | ({ readonly exists: true } & SubmissionRecord);

export const NO_SUBMISSION: SubmissionState = { exists: false };

/** Overall status under the policy: every required log logged → logged; a required log abandoned → failed. */
export type SubmissionStatus = 'pending' | 'logged' | 'failed';

export function submissionStatus(record: SubmissionRecord): SubmissionStatus {
  const required: LogTarget[] = record.request.logs.filter((l) => l.required);
  return statusOfRequiredLogs(required.map((l) => record.logs[l.name]?.status ?? 'pending'));
}

/** The rule itself, from the status of each required log (the submissions read model applies it too). */
export function statusOfRequiredLogs(statuses: readonly ('pending' | 'logged' | 'abandoned')[]): SubmissionStatus {
  if (statuses.includes('abandoned')) return 'failed';
  return statuses.every((s) => s === 'logged') ? 'logged' : 'pending';
}

export function evolve(state: SubmissionState, event: SubmissionEvent): SubmissionState {
  switch (event.type) {
    case 'SubmissionRequested':
      return {
        exists: true,
        request: event.data,
        logs: Object.fromEntries(event.data.logs.map((l) => [l.name, { status: 'pending', attempts: 0, nextAttemptAt: null, lastError: null }])),
      };
    case 'SubmissionAttempted':
      return withLog(state, event.data.log, (p) =>
        p.status === 'pending' ? { status: 'pending', attempts: event.data.attempt, nextAttemptAt: event.data.nextAttemptAt, lastError: event.data.error } : p,
      );
    case 'EntryLogged':
      return withLog(state, event.data.log, (p) => ({ status: 'logged', attempts: p.attempts + 1, entry: event.data }));
    case 'SubmissionAbandoned':
      return withLog(state, event.data.log, (p) => ({ status: 'abandoned', attempts: p.attempts, reason: event.data.reason }));
    case 'SubmissionRequeued':
      // A requeue gives the log a fresh retry budget.
      return withLog(state, event.data.log, () => ({ status: 'pending', attempts: 0, nextAttemptAt: null, lastError: null }));
    default: {
      const unhandled: never = event;
      throw new Error(`unhandled submission event ${JSON.stringify(unhandled)}`);
    }
  }
}

function withLog(state: SubmissionState, log: string, change: (p: LogProgress) => LogProgress): SubmissionState {
  if (!state.exists) return state;
  const current = state.logs[log];
  if (!current) return state;
  return { ...state, logs: { ...state.logs, [log]: change(current) } };
}

export function foldSubmission(events: Iterable<SubmissionEvent>): SubmissionState {
  let state = NO_SUBMISSION;
  for (const e of events) state = evolve(state, e);
  return state;
}
