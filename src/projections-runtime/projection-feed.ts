import { comparePositions, type Position } from '../../domain/events/event';
import { UnavailableError } from '../errors/app-error';
import type { EventStore, Subscription } from '../ports/event-store';
import type { ReadModelStore } from '../ports/read-model-store';
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
  private pendingFlush: NodeJS.Immediate | null = null;

  constructor(
    private readonly store: EventStore,
    private readonly readModels: ReadModelStore,
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
        this.scheduleFlush();
      }
    } catch (error) {
      this.flushAll();
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
    if (this.pendingFlush) clearImmediate(this.pendingFlush);
    await this.subscription?.close();
    await this.done;
    this.flushAll();
  }

  /** Folds once the events that arrived together have all been taken (the subscription yields them in one tick). */
  private scheduleFlush(): void {
    this.pendingFlush ??= setImmediate(() => this.flushAll());
  }

  /**
   * Folds every runner's batch in one read-model transaction: one commit per
   * tick instead of one per projection (each runner's batch is a savepoint, so
   * a projection that fails rolls back alone and the others still commit).
   */
  private flushAll(): void {
    this.pendingFlush = null;
    if (!this.runners.some((r) => r.hasBuffered)) return;
    const committed: (() => void)[] = [];
    try {
      this.readModels.inTransaction(() => {
        for (const runner of this.runners) {
          const settle = runner.fold();
          if (settle) committed.push(settle);
        }
      });
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing of this tick was kept, so the
      // runners stop where their stored checkpoints are and /readyz says so; a restart folds again.
      for (const runner of this.runners) runner.fail(error);
      return;
    }
    // Only now is every batch durable in the read models: move the runners and wake their waiters.
    for (const settle of committed) settle();
  }
}
