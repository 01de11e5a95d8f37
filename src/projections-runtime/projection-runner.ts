import { comparePositions, START_POSITION, type Position, type RecordedEvent } from '../../domain/events/event';
import type { Projection } from '../../projections/projection';
import type { EventStore } from '../ports/event-store';
import type { ReadModelStore } from '../ports/read-model-store';
import { foldBatch } from './fold-batch';
import { ProjectionFeed } from './projection-feed';

const MAX_BATCH = 1000;

export interface ProjectionStatus {
  readonly name: string;
  readonly version: number;
  readonly position: Position;
  readonly failed: string | null;
}

/**
 * Keeps one projection up to date. It is fed events in global order (by a
 * `ProjectionFeed`, which can feed several runners from one subscription) and
 * folds them in batches: a batch ends when the feed pauses or at MAX_BATCH
 * events. Each batch and the checkpoint commit together, so after a crash it
 * resumes exactly where it stopped. A changed version rebuilds.
 */
export class ProjectionRunner {
  private buffer: RecordedEvent[] = [];
  private position: Position = START_POSITION;
  /** The last event taken into the buffer (ahead of `position` until the batch is folded). */
  private accepted: Position = START_POSITION;
  private failure: string | null = null;
  private ownFeed: ProjectionFeed | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly store: EventStore,
    private readonly readModels: ReadModelStore,
    readonly projection: Projection,
    private readonly onError: (projection: string, error: unknown) => void = () => {},
  ) {}

  /** Reads the checkpoint (resetting the read model if its version changed); returns where to resume after. */
  prepare(): Position {
    const cp = this.readModels.checkpoint(this.projection.name);
    if (!cp || cp.version !== this.projection.version) {
      this.readModels.reset(this.projection.name, this.projection.version);
      this.position = START_POSITION;
    } else {
      this.position = cp.position;
    }
    this.accepted = this.position;
    return this.position;
  }

  /**
   * Takes the next event of the global order; events at or before its
   * position are ignored. The feed decides when to fold (`fold`): it folds
   * every runner it feeds together, in one read-model transaction. A batch
   * that reaches MAX_BATCH is folded and committed at once, on its own.
   */
  accept(event: RecordedEvent): void {
    if (this.failure || comparePositions(event.position, this.accepted) <= 0) return;
    this.accepted = event.position;
    this.buffer.push(event);
    if (this.buffer.length >= MAX_BATCH) this.flush();
  }

  /** True when events are waiting to be folded. */
  get hasBuffered(): boolean {
    return this.buffer.length > 0 && !this.failure;
  }

  /** Folds what is buffered now, in its own transaction. */
  flush(): void {
    this.fold()?.();
  }

  /**
   * Folds what is buffered into the read-model store and returns what to do
   * once that write is committed: move the position and tell the waiters. A
   * caller folding inside a larger transaction calls it only after its commit,
   * so no one is told of a position that was never stored.
   */
  fold(): (() => void) | null {
    if (this.buffer.length === 0 || this.failure) return null;
    const batch = this.buffer;
    this.buffer = [];
    try {
      foldBatch(this.projection, this.readModels, batch);
    } catch (error) {
      this.fail(error);
      return null;
    }
    return () => {
      this.position = batch.at(-1)!.position;
      for (const l of this.listeners) l();
    };
  }

  /** Stops folding for good (a bug in the projection, or a feed that cannot go on); /readyz reports it. */
  fail(error: unknown): void {
    if (this.failure) return;
    this.failure = error instanceof Error ? error.message : String(error);
    this.onError(this.projection.name, error);
  }

  /** Runs this projection alone, on a subscription of its own. */
  start(): void {
    this.ownFeed = new ProjectionFeed(this.store, this.readModels, [this], this.onError);
    this.ownFeed.start();
  }

  async stop(): Promise<void> {
    await this.ownFeed?.stop();
    this.flush();
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
}
