import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventId, RecordedEvent, StreamName } from '../../domain/events/event';
import type { EnvelopeSignedData } from '../../domain/signing/envelope.events';
import type { EventStore } from '../../src/ports/event-store';

/** Fixtures are committed under test/migrations/fixtures (the compiled tests run from dist/). */
const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'migrations', 'fixtures');

interface StoredLine {
  id: string;
  stream: string;
  revision: string;
  position: { commit: string; prepare: string };
  type: string;
  schemaVersion: number;
  data: unknown;
  metadata: RecordedEvent['metadata'];
}

/** The recorded events of a fixture file (NDJSON, one stored event per line, bigints as strings). */
export function readFixture(name: string): RecordedEvent[] {
  return readFileSync(join(FIXTURES, name), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const e = JSON.parse(line) as StoredLine;
      return {
        ...e,
        id: e.id as EventId,
        stream: e.stream as StreamName,
        revision: BigInt(e.revision),
        position: { commit: BigInt(e.position.commit), prepare: BigInt(e.position.prepare) },
      };
    });
}

/** Appends fixture events to a store as they were written: same ids, streams, revisions, data and context. */
export async function importFixture(store: EventStore, events: readonly RecordedEvent[]): Promise<void> {
  for (const e of events) {
    const { prevHash: _prev, hash: _hash, ...context } = e.metadata;
    await store.append(e.stream, [{ id: e.id, type: e.type, schemaVersion: e.schemaVersion, data: e.data, metadata: context }], {
      expectedRevision: e.revision === 0n ? 'no_stream' : e.revision - 1n,
    });
  }
}

/**
 * A store as the v1 writer left it: the events of `from` copied with their ids
 * and context, every EnvelopeSigned rewritten in its v1 shape (the first signer
 * duplicated at the top level with a signatureCount).
 */
export async function copyWithV1Signings(from: EventStore, to: EventStore): Promise<void> {
  for (const e of await from.readAll()) {
    const { prevHash: _p, hash: _h, ...metadata } = e.metadata;
    let data = e.data;
    let schemaVersion = e.schemaVersion;
    if (e.type === 'EnvelopeSigned') {
      const v2 = e.data as EnvelopeSignedData;
      data = { ...v2, keyId: v2.signers[0]!.keyId, keyVersion: v2.signers[0]!.keyVersion, signatureCount: v2.signers.length };
      schemaVersion = 1;
    }
    await to.append(e.stream, [{ id: e.id, type: e.type, schemaVersion, data, metadata }], { expectedRevision: e.revision === 0n ? 'no_stream' : e.revision - 1n });
  }
}
