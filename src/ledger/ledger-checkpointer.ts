import { randomUUID } from 'node:crypto';
import { START_POSITION, type EventId, type NewEvent, type Position, type RecordedEvent } from '../../domain/events/event';
import {
  DEFAULT_LEDGER_ORIGIN,
  isLedgerCheckpoint,
  LEDGER_CHECKPOINT_SIGNED,
  LEDGER_CHECKPOINT_STREAM,
  LEDGER_EVENT_SCHEMA_VERSION,
  type LedgerCheckpointSignedData,
} from '../../domain/ledger/ledger.events';
import { ledgerLeafHash } from '../../domain/ledger/ledger-leaf';
import type { Clock } from '../../domain/shared/clock';
import { appendLeaf, EMPTY_FRONTIER, formatCheckpointBody, frontierRoot, type Frontier } from '../../domain/transparency';
import { ConcurrencyError } from '../errors/concurrency-error';
import { readCurrent } from '../events/read-current';
import { inject, injectable } from '../injection';
import { CLOCK } from '../ports/clock';
import { EVENT_STORE, type EventStore } from '../ports/event-store';
import { LedgerKey } from './ledger-key';

export interface LedgerCheckpointerOptions {
  /** Checkpoint origin and note key name (default `attestor-ledger`). */
  readonly origin?: string;
  /** For `start()`: how often to checkpoint when events were appended since the last one (default 60 s). */
  readonly intervalMs?: number;
  /** Called when a periodic checkpoint fails (the timer keeps running). */
  readonly onError?: (error: unknown) => void;
}

/** Injection token of `LedgerCheckpointerOptions`. */
export const LEDGER_CHECKPOINTER_OPTIONS = Symbol('LedgerCheckpointerOptions');

export interface CheckpointResult {
  /** False when the latest event already was a checkpoint covering everything before it. */
  readonly created: boolean;
  readonly eventId: string;
  readonly position: Position;
  /** The checkpoint event's own leaf index (≥ treeSize). */
  readonly index: number;
  readonly data: LedgerCheckpointSignedData;
}

const PAGE = 5000;

/**
 * Appends `LedgerCheckpointSigned` events: a C2SP checkpoint of the Merkle
 * tree over every event so far, signed by the ledger key. It keeps the tree's
 * right edge (frontier) in memory and reads only the events appended since
 * its last call. Calls are serialised; a concurrent checkpointer in another
 * process loses the optimistic-concurrency race on the checkpoint stream and
 * this one retries.
 */
@injectable()
export class LedgerCheckpointer {
  private frontier: Frontier = EMPTY_FRONTIER;
  private lastPosition: Position = START_POSITION;
  private last: { event: RecordedEvent; index: number } | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  readonly origin: string;

  constructor(
    @inject(EVENT_STORE) private readonly store: EventStore,
    @inject(LedgerKey) private readonly key: LedgerKey,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(LEDGER_CHECKPOINTER_OPTIONS) private readonly options: LedgerCheckpointerOptions = {},
  ) {
    this.origin = options.origin ?? DEFAULT_LEDGER_ORIGIN;
  }

  /** Checkpoints now unless the latest event already is a checkpoint of everything before it. */
  checkpointNow(): Promise<CheckpointResult> {
    const next = this.chain.then(() => this.doCheckpoint());
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Checkpoints every `intervalMs` (only when something was appended). The timer does not keep the process alive. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.checkpointNow()
        .catch((error: unknown) => this.options.onError?.(error))
        .finally(() => {
          this.running = null;
        });
    }, this.options.intervalMs ?? 60_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private async doCheckpoint(): Promise<CheckpointResult> {
    for (let attempt = 0; ; attempt++) {
      // The key first: creating it appends events, which the checkpoint must cover.
      const signer = await this.key.current();
      const [head] = await this.store.readStream(LEDGER_CHECKPOINT_STREAM, { direction: 'backwards', maxCount: 1 });
      await this.catchUp();
      const last = this.last;
      if (last !== null && isLedgerCheckpoint(last.event)) {
        const data = readCurrent(last.event).data as LedgerCheckpointSignedData;
        if (data.treeSize === last.index && data.origin === this.origin) {
          return { created: false, eventId: last.event.id, position: last.event.position, index: last.index, data };
        }
      }
      const treeSize = this.frontier.size;
      const root = frontierRoot(this.frontier);
      const signedAt = this.clock.now();
      const body = formatCheckpointBody({ origin: this.origin, size: treeSize, rootHash: root, extensions: [] });
      const { note } = await this.key.signNote(body, this.origin, signer);
      const data: LedgerCheckpointSignedData = {
        origin: this.origin,
        treeSize,
        rootHash: root.toString('hex'),
        checkpoint: note,
        keyId: signer.keyId,
        keyVersion: signer.keyVersion,
        fingerprint: signer.fingerprint,
        keyRevision: signer.keyRevision,
        signedAt,
      };
      const event: NewEvent = {
        id: randomUUID() as EventId,
        type: LEDGER_CHECKPOINT_SIGNED,
        schemaVersion: LEDGER_EVENT_SCHEMA_VERSION,
        data,
        metadata: { tenant: 'system', actor: 'system:ledger', correlationId: randomUUID(), causationId: null, occurredAt: signedAt },
      };
      try {
        const appended = await this.store.append(LEDGER_CHECKPOINT_STREAM, [event], { expectedRevision: head ? head.revision : 'no_stream' });
        // Its index is the number of events before it; other writers may have appended
        // around it, so it is found while catching up (which starts before it).
        let index: number | null = null;
        await this.catchUp((e, i) => {
          if (e.id === event.id) index = i;
        });
        if (index === null) throw new Error('the checkpoint just appended is not in the store');
        return { created: true, eventId: event.id, position: appended.position, index, data };
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= 4) throw error;
      }
    }
  }

  /** Adds the events appended since the last call to the tree; `seen` is told each one with its leaf index. */
  private async catchUp(seen?: (event: RecordedEvent, index: number) => void): Promise<void> {
    for (;;) {
      const page = await this.store.readAll({ fromPosition: this.lastPosition, maxCount: PAGE });
      for (const e of page) {
        seen?.(e, this.frontier.size);
        this.last = { event: e, index: this.frontier.size };
        this.frontier = appendLeaf(this.frontier, ledgerLeafHash(e));
        this.lastPosition = e.position;
      }
      if (page.length < PAGE) return;
    }
  }
}
