import { START_POSITION, type Position, type RecordedEvent } from '../../domain/events/event';
import type { Projection } from '../../projections/projection';
import type { EventStore, Subscription } from '../ports/event-store';
import type { ReadModelStore } from '../ports/read-model-store';
import { UnavailableError } from '../errors/app-error';
import { foldBatch } from './fold-batch';

const MAX_BATCH = 1000;

export interface ProjectionStatus {
  readonly name: string;
  readonly version: number;
  readonly position: Position;
  readonly failed: string | null;
}

/**
 * Keeps one projection up to date: subscribes after its stored checkpoint and
 * folds events in batches (a batch ends when the subscription pauses or at
 * MAX_BATCH events). Each batch and the checkpoint commit together, so after a
 * crash it resumes exactly where it stopped. A changed version rebuilds.
 */
export class ProjectionRunner {
  private subscription: Subscription | null = null;
  private buffer: RecordedEvent[] = [];
  private flushScheduled = false;
  private position: Position = START_POSITION;
  private failure: string | null = null;
  private done: Promise<void> = Promise.resolve();
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly store: EventStore,
    private readonly readModels: ReadModelStore,
    readonly projection: Projection,
    private readonly onError: (projection: string, error: unknown) => void = () => {},
  ) {}

  start(): void {
    const cp = this.readModels.checkpoint(this.projection.name);
    if (!cp || cp.version !== this.projection.version) {
      this.readModels.reset(this.projection.name, this.projection.version);
      this.position = START_POSITION;
    } else {
      this.position = cp.position;
    }
    this.subscribe();
  }

  private subscribe(): void {
    const subscription = this.store.subscribeToAll({ fromPosition: this.position });
    this.subscription = subscription;
    this.done = this.consume(subscription);
  }

  private async consume(subscription: Subscription, attempt = 0): Promise<void> {
    try {
      for await (const event of subscription) {
        attempt = 0;
        this.buffer.push(event);
        if (this.buffer.length >= MAX_BATCH) this.flush();
        else if (!this.flushScheduled) {
          this.flushScheduled = true;
          setImmediate(() => this.flush());
        }
        if (this.failure) break;
      }
      this.flush();
    } catch (error) {
      this.flush();
      if (error instanceof UnavailableError && !this.stopped && !this.failure) {
        // The store went away (an EventStoreDB connection drop): resubscribe
        // from the last folded position with a bounded backoff.
        const delay = Math.min(30_000, 250 * 2 ** attempt);
        this.onError(this.projection.name, error);
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          if (this.stopped) return;
          const next = this.store.subscribeToAll({ fromPosition: this.position });
          this.subscription = next;
          this.done = this.consume(next, attempt + 1);
        }, delay);
        return;
      }
      this.fail(error);
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.buffer.length === 0 || this.failure) return;
    const batch = this.buffer;
    this.buffer = [];
    try {
      foldBatch(this.projection, this.readModels, batch);
      this.position = batch.at(-1)!.position;
      for (const l of this.listeners) l();
    } catch (error) {
      this.fail(error);
    }
  }

  private fail(error: unknown): void {
    this.failure = error instanceof Error ? error.message : String(error);
    this.onError(this.projection.name, error);
    void this.subscription?.close();
  }

  status(): ProjectionStatus {
    return { name: this.projection.name, version: this.projection.version, position: this.position, failed: this.failure };
  }

  /** Resolves once the projection has folded everything up to `position`. */
  async waitFor(position: Position, timeoutMs = 10_000): Promise<boolean> {
    if (this.position.commit >= position.commit) return true;
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.position.commit >= position.commit || this.failure) {
          clearTimeout(timer);
          this.listeners.delete(check);
          resolve(this.position.commit >= position.commit);
        }
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        resolve(false);
      }, timeoutMs);
      this.listeners.add(check);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.subscription?.close();
    await this.done;
    this.flush();
  }
}
