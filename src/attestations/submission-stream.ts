import { isSubmissionEvent, SUBMISSION_EVENT_SCHEMA_VERSION, type SubmissionEvent } from '../../domain/attestations/submission.events';
import { foldSubmission, type SubmissionState } from '../../domain/attestations/submission.state';
import type { RecordedEvent, StreamName } from '../../domain/events/event';
import { streamName } from '../../domain/events/stream-name';
import type { EventStore } from '../ports/event-store';

/** One stream per envelope: submitting the same envelope again finds the same submission. */
export function submissionStream(submissionId: string): StreamName {
  return streamName('submission', submissionId);
}

export function toSubmissionEvents(recorded: readonly RecordedEvent[]): SubmissionEvent[] {
  return recorded.filter(isSubmissionEvent).map((e) => {
    if (e.schemaVersion !== SUBMISSION_EVENT_SCHEMA_VERSION) throw new Error(`${e.type} schema version ${e.schemaVersion} is not supported by this build`);
    return { type: e.type, data: e.data } as SubmissionEvent;
  });
}

export interface LoadedSubmission {
  readonly state: SubmissionState;
  /** Revision of the last event, for optimistic concurrency. */
  readonly revision: bigint | 'no_stream';
  readonly events: readonly RecordedEvent[];
}

export async function loadSubmission(store: EventStore, submissionId: string): Promise<LoadedSubmission> {
  const events = await store.readStream(submissionStream(submissionId));
  const last = events.at(-1);
  return { state: foldSubmission(toSubmissionEvents(events)), revision: last ? last.revision : 'no_stream', events };
}
