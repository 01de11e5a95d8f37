import type { EventEmitter } from 'node:events';
import type { Position, RecordedEvent } from '../../../domain/events/event';
import type { Subscription } from '../../../src/ports/event-store';

interface Source {
  readonly from: Position;
  readonly readPage: (after: Position) => RecordedEvent[];
  readonly pageSize: number;
  /** Emits 'appended' after each commit in this process, 'closed' when the store closes. */
  readonly appended: EventEmitter;
  /** Fallback wake-up for events committed by another process on the same file. */
  readonly pollIntervalMs: number;
}

/**
 * Catch-up and live are one loop: read the next page after the last delivered
 * position; when a page comes back short, wait for a commit and read again.
 * Because every read starts after the last delivered position, there is no gap
 * and no duplicate at the boundary.
 */
export class SqliteSubscription implements Subscription {
  private closed = false;
  private wake: (() => void) | null = null;

  constructor(private readonly source: Source) {
    source.appended.on('closed', this.onClosed);
  }

  private readonly onClosed = (): void => {
    void this.close();
  };

  async *[Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    let last = this.source.from;
    try {
      while (!this.closed) {
        const page = this.source.readPage(last);
        for (const e of page) {
          if (this.closed) return;
          yield e;
          last = e.position;
        }
        if (page.length < this.source.pageSize) await this.waitForAppend();
      }
    } finally {
      this.source.appended.off('closed', this.onClosed);
    }
  }

  private waitForAppend(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.source.appended.off('appended', done);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, this.source.pollIntervalMs);
      this.source.appended.on('appended', done);
      this.wake = done;
    });
  }

  close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    return Promise.resolve();
  }
}
