import { comparePositions, type Position } from '../../domain/events/event';
import { UnavailableError } from '../errors/app-error';
import type { EventStore, Subscription } from '../ports/event-store';
import type { ProjectionRunner } from './projection-runner';

/**
 * One subscription that feeds several projection runners, so the ledger is
 * read and decoded once however many read models it has. It starts after the
 * smallest checkpoint among them; a runner ignores what it has already folded.
 * If the store goes away (an EventStoreDB connection drop) it resubscribes
 * from where the slowest runner stands, with a bounded backoff.
 */
export class ProjectionFeed {
  private subscription: Subscription | null = null;
  private done: Promise<void> = Promise.resolve();
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: EventStore,
    private readonly runners: readonly ProjectionRunner[],
    private readonly onError: (projection: string, error: unknown) => void = () => {},
  ) {}

  start(): void {
    const from = this.runners.map((r) => r.prepare()).reduce((a, b) => (comparePositions(a, b) <= 0 ? a : b));
    this.subscribe(from, 0);
  }

  private subscribe(from: Position, attempt: number): void {
    const subscription = this.store.subscribeToAll({ fromPosition: from });
    this.subscription = subscription;
    this.done = this.consume(subscription, attempt);
  }

  private async consume(subscription: Subscription, attempt: number): Promise<void> {
    try {
      for await (const event of subscription) {
        attempt = 0;
        for (const runner of this.runners) runner.accept(event);
      }
    } catch (error) {
      for (const runner of this.runners) runner.flush();
      if (error instanceof UnavailableError && !this.stopped) {
        for (const runner of this.runners) this.onError(runner.projection.name, error);
        const delay = Math.min(30_000, 250 * 2 ** attempt);
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          if (this.stopped) return;
          const from = this.runners.map((r) => r.status().position).reduce((a, b) => (comparePositions(a, b) <= 0 ? a : b));
          this.subscribe(from, attempt + 1);
        }, delay);
        return;
      }
      for (const runner of this.runners) runner.fail(error);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.subscription?.close();
    await this.done;
    for (const runner of this.runners) runner.flush();
  }
}
