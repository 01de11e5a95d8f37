import type { ChainVerdict } from '../../domain/events/chain-verification';
import { verifyChainOf } from '../../domain/events/chain-verification';
import { START_POSITION, type NewEvent, type Position, type RecordedEvent, type StreamName } from '../../domain/events/event';
import type { AppendResult, EventStore, ReadAllOptions, ReadStreamOptions, Subscription } from '../ports/event-store';
import type { ObjectStore, PutResult } from '../ports/object-store';
import { sha256Hex } from '../../domain/shared/sha256';

/**
 * A read-only event store over the events of a kit held in memory, so the
 * service's own verification code (VerificationService) runs unchanged
 * offline. Writing is refused.
 */
export class KitEventStore implements EventStore {
  readonly appendsCommitInCallOrder = true;
  private readonly byStream = new Map<string, RecordedEvent[]>();
  private readonly all: RecordedEvent[] = [];

  add(event: RecordedEvent): void {
    this.all.push(event);
    const list = this.byStream.get(event.stream) ?? [];
    list.push(event);
    this.byStream.set(event.stream, list);
  }

  append(_stream: StreamName, _events: readonly NewEvent[]): Promise<AppendResult> {
    return Promise.reject(new Error('a kit is read-only'));
  }

  readStream(stream: StreamName, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    let events = [...(this.byStream.get(stream) ?? [])];
    if (options.direction === 'backwards') events.reverse();
    if (options.fromRevision !== undefined) {
      const from = options.fromRevision;
      events = events.filter((e) => (options.direction === 'backwards' ? e.revision <= from : e.revision >= from));
    }
    return Promise.resolve(options.maxCount === undefined ? events : events.slice(0, options.maxCount));
  }

  readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const from = options.fromPosition?.commit ?? 0n;
    let events = this.all.filter((e) => e.position.commit > from);
    const filter = options.filter;
    if (filter && 'streamPrefixes' in filter) events = events.filter((e) => filter.streamPrefixes.some((p) => e.stream.startsWith(p)));
    if (filter && 'eventTypePrefixes' in filter) events = events.filter((e) => filter.eventTypePrefixes.some((p) => e.type.startsWith(p)));
    return Promise.resolve(options.maxCount === undefined ? events : events.slice(0, options.maxCount));
  }

  subscribeToAll(): Subscription {
    throw new Error('a kit cannot be subscribed to');
  }

  async verifyChain(stream: StreamName): Promise<ChainVerdict> {
    return verifyChainOf(stream, await this.readStream(stream));
  }

  headPosition(): Promise<Position> {
    return Promise.resolve(this.all.at(-1)?.position ?? START_POSITION);
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The kit's envelopes as a read-only content-addressed archive. */
export class KitArchive implements ObjectStore {
  constructor(private readonly read: (digest: string) => Promise<Buffer | null>) {}

  put(bytes: Uint8Array): Promise<PutResult> {
    return Promise.reject(new Error(`a kit is read-only (${sha256Hex(bytes)})`));
  }

  async get(digest: string): Promise<Buffer | null> {
    const bytes = await this.read(digest);
    return bytes !== null && sha256Hex(bytes) === digest ? bytes : null;
  }

  async has(digest: string): Promise<boolean> {
    return (await this.get(digest)) !== null;
  }
}
