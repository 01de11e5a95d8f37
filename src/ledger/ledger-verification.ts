import { START_POSITION, type RecordedEvent } from '../../domain/events/event';
import { LedgerAudit, type LedgerAuditOptions, type LedgerReport } from '../../domain/ledger/ledger-audit';
import { isLedgerCheckpoint, type LedgerCheckpointSignedData } from '../../domain/ledger/ledger.events';
import { LeafHashes, ledgerLeafHash } from '../../domain/ledger/ledger-leaf';
import { inclusionProof, rootOf, verifyInclusion } from '../../domain/transparency';
import { NotFoundError } from '../errors/app-error';
import { readCurrent } from '../events/read-current';
import type { EventStore } from '../ports/event-store';

const PAGE = 10_000;

/** Every event of the store in global order, page by page. */
export async function* allEvents(store: EventStore): AsyncGenerator<RecordedEvent> {
  let from = START_POSITION;
  for (;;) {
    const page = await store.readAll({ fromPosition: from, maxCount: PAGE });
    yield* page;
    if (page.length < PAGE) return;
    from = page.at(-1)!.position;
  }
}

/**
 * `attestor ledger verify`: every stream's hash chain, every checkpoint's
 * signature and recomputed root, checkpoints never shrinking, and optionally a
 * checkpoint the auditor kept from before (which catches a truncated tail).
 * @throws UnsupportedEventVersionError when a checkpoint or key event is at a
 *   version this build cannot read (its hashes alone could be checked, its
 *   signatures not: upgrade Attestor to verify such a ledger).
 */
export async function verifyLedger(store: EventStore, options: Omit<LedgerAuditOptions, 'mode'> = {}): Promise<LedgerReport> {
  const audit = new LedgerAudit({ ...options, mode: 'complete', read: readCurrent });
  for await (const e of allEvents(store)) audit.add(e);
  return audit.finish();
}

export interface LedgerInclusionProof {
  readonly eventId: string;
  readonly stream: string;
  readonly revision: string;
  /** The event's leaf index in the global order. */
  readonly leafIndex: number;
  /** Hex SHA-256(0x00 ‖ canonical event bytes). */
  readonly leafHash: string;
  readonly treeSize: number;
  readonly rootHash: string;
  /** Hex sibling hashes, leaf to root. */
  readonly hashes: readonly string[];
  /** The signed checkpoint the proof leads to. */
  readonly checkpoint: string;
  readonly checkpointEventId: string;
}

/**
 * `attestor ledger prove <eventId>`: an inclusion proof of the event against
 * the latest checkpoint that covers it (none yet: the caller checkpoints first).
 */
export async function proveEvent(store: EventStore, eventId: string): Promise<LedgerInclusionProof> {
  const leaves = new LeafHashes();
  let target: { event: RecordedEvent; index: number } | null = null;
  let covering: { event: RecordedEvent; data: LedgerCheckpointSignedData } | null = null;
  for await (const e of allEvents(store)) {
    if (e.id === eventId) target = { event: e, index: leaves.size };
    leaves.push(ledgerLeafHash(e));
    if (target !== null && isLedgerCheckpoint(e)) {
      const data = readCurrent(e).data as LedgerCheckpointSignedData;
      if (data.treeSize > target.index) covering = { event: e, data };
    }
  }
  if (target === null) throw new NotFoundError(`no event ${eventId} in the ledger`, { eventId }, 'event_not_found');
  if (covering === null) {
    throw new NotFoundError(`event ${eventId} is not covered by a ledger checkpoint yet; run \`attestor ledger checkpoint\` first`, { eventId }, 'not_yet_checkpointed');
  }
  const { data } = covering;
  const tree = leaves.reader();
  const hashes = inclusionProof(tree, target.index, data.treeSize);
  const root = rootOf(tree, data.treeSize);
  const leaf = leaves.at(target.index);
  const check = verifyInclusion({ leafIndex: target.index, treeSize: data.treeSize, hashes }, leaf, Buffer.from(data.rootHash, 'hex'));
  if (!check.ok || root.toString('hex') !== data.rootHash) throw new Error(`the ledger does not match its checkpoint ${covering.event.id}; run \`attestor ledger verify\``);
  return {
    eventId,
    stream: target.event.stream,
    revision: target.event.revision.toString(),
    leafIndex: target.index,
    leafHash: leaf.toString('hex'),
    treeSize: data.treeSize,
    rootHash: data.rootHash,
    hashes: hashes.map((h) => h.toString('hex')),
    checkpoint: data.checkpoint,
    checkpointEventId: covering.event.id,
  };
}
