import type { ExpectedRevision } from '../../src/ports/event-store';

/** The stream's current last revision, or that it does not exist. */
export type CurrentRevision = bigint | 'no_stream';

/** EventStoreDB's rule, shared by both stores: does the caller's expectation hold for the stream as it is? */
export function expectationHolds(expected: ExpectedRevision, current: CurrentRevision): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return current === 'no_stream';
    case 'stream_exists':
      return current !== 'no_stream';
    default:
      return current === expected;
  }
}
