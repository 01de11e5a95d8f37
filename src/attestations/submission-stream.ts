import { isSubmissionEvent, type SubmissionEvent } from '../../domain/attestations/submission.events';
import { foldSubmission, type SubmissionState } from '../../domain/attestations/submission.state';
import type { RecordedEvent, StreamName } from '../../domain/events/event';
import { streamName } from '../../domain/events/stream-name';
import { readCurrent } from '../events/read-current';
import type { EventStore } from '../ports/event-store';

/** One stream per envelope: submitting the same envelope again finds the same submission. */
export function submissionStream(submissionId: string): StreamName {
  return streamName('submission', submissionId);
}

/**
 * The domain events of a submission stream, in order, each read as its current shape.
 * @throws UnsupportedEventVersionError for a submission event this build cannot read.
 */
export function toSubmissionEvents(recorded: readonly RecordedEvent[]): SubmissionEvent[] {
  return recorded.filter(isSubmissionEvent).map((stored) => {
    const e = readCurrent(stored);
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
