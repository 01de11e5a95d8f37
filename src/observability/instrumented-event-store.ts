import type { ChainVerdict } from '../../domain/events/chain-verification';
import type { NewEvent, Position, RecordedEvent, StreamName } from '../../domain/events/event';
import type { AppendOptions, AppendResult, EventStore, ReadAllOptions, ReadStreamOptions, SubscribeOptions, Subscription } from '../ports/event-store';
import type { Metrics } from './metrics';

/** Times appends (the durable commit included) without the adapters knowing about metrics. */
export class InstrumentedEventStore implements EventStore {
  constructor(
    private readonly inner: EventStore,
    private readonly metrics: Metrics,
  ) {}

  get appendsCommitInCallOrder(): boolean {
    return this.inner.appendsCommitInCallOrder;
  }

  async append(stream: StreamName, events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult> {
    const end = this.metrics.appendSeconds.startTimer();
    try {
      return await this.inner.append(stream, events, options);
    } finally {
      end();
    }
  }
  readStream(stream: StreamName, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.inner.readStream(stream, options);
  }
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.inner.readAll(options);
  }
  subscribeToAll(options?: SubscribeOptions): Subscription {
    return this.inner.subscribeToAll(options);
  }
  verifyChain(stream: StreamName): Promise<ChainVerdict> {
    return this.inner.verifyChain(stream);
  }
  headPosition(): Promise<Position> {
    return this.inner.headPosition();
  }
  ping(): Promise<void> {
    return this.inner.ping();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
