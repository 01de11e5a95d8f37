import type { AllStreamSubscription } from '@eventstore/db-client';
import type { Position, RecordedEvent } from '../../../domain/events/event';
import type { EventFilter, Subscription } from '../../../src/ports/event-store';
import { isPastCursor, isSystemEvent, matchesFilter, toRecordedEvent, toStoreError } from './esdb.mapping';

interface Options {
  /** Deliver only events strictly after this position. */
  readonly from: Position | undefined;
  readonly filter: EventFilter | undefined;
  /** Called once when the subscription closes, so the store can forget it. */
  readonly onClose: (s: EsdbSubscription) => void;
}

/**
 * The port's Subscription over an EventStoreDB catch-up subscription to $all.
 * The server does catch-up then live without a gap or a duplicate; this
 * wrapper only drops what the port must not deliver (system events, the event
 * at exactly the start position, anything the server-side filter let through
 * that the port's filter would not) and maps the rest.
 *
 * If the connection drops, iteration throws an UnavailableError: resubscribe
 * from the last position handled.
 */
export class EsdbSubscription implements Subscription {
  private closed = false;

  constructor(
    private readonly source: AllStreamSubscription,
    private readonly options: Options,
  ) {
    // An error before anyone iterates must not crash the process; iteration still sees it.
    source.on('error', () => undefined);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    try {
      for await (const resolved of this.source) {
        if (this.closed) return;
        const rec = resolved.event;
        if (!rec || isSystemEvent(rec.streamId, rec.type)) continue;
        if (!matchesFilter(this.options.filter, rec.streamId, rec.type)) continue;
        if (!isPastCursor(rec.position, this.options.from, 'forwards')) continue;
        yield toRecordedEvent(rec);
      }
    } catch (error) {
      if (this.closed) return; // Closing cancels the stream; the resulting premature close is not a failure.
      throw toStoreError('subscribeToAll', error);
    } finally {
      await this.close();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.options.onClose(this);
    try {
      await this.source.unsubscribe();
    } catch {
      // The stream never opened (server unreachable): nothing to cancel.
    }
    this.source.destroy();
  }
}
