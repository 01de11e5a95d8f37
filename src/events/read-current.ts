import type { RecordedEvent } from '../../domain/events/event';
import { readStoredEvent } from '../../migrations/events';
import { UnsupportedEventVersionError } from '../errors/app-error';

/**
 * The one way to read a stored event as its current domain shape: lifted
 * through the upcasters (migrations/events/), then checked to be at the
 * version this build writes. Every reader that interprets `data` (stream
 * loaders, projections via `foldBatch`/`foldInMemory`, verification, ledger,
 * kit) goes through here; only readers of the stored bytes (hash chains,
 * Merkle leaves, export of the events themselves) do not.
 * Events of types this build does not know pass through as stored.
 *
 * @throws UnsupportedEventVersionError for a version this build cannot read.
 */
export function readCurrent(stored: RecordedEvent): RecordedEvent {
  const reading = readStoredEvent(stored);
  if (reading.ok) return reading.event;
  throw new UnsupportedEventVersionError(stored, reading.readableVersions, reading.reason);
}
