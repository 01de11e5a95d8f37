import { pinProblem, type LedgerKeyPin } from './ledger-key-pin';
import { GENESIS_HASH, type RecordedEvent } from '../events/event';
import { canonicalEventContent } from '../events/event-hash';
import { publicKeyFromPem } from '../shared/key-cache';
import { sha256Hex } from '../shared/sha256';
import { foldKey } from '../keys/key.evolve';
import { isKeyEvent, type KeyEvent } from '../keys/key.events';
import { signingValidityAt, wasActiveAtRevision } from '../keys/signing-validity';
import { appendLeaf, EMPTY_FRONTIER, frontierRoot, leafHash, noteVerifierFor, openCheckpoint, parseCheckpointBody, parseSignedNote, rootOf, type Checkpoint, type Frontier } from '../transparency';
import { isLedgerCheckpoint, type LedgerCheckpointSignedData } from './ledger.events';
import { LeafHashes } from './ledger-leaf';

/** One thing found wrong, precise enough to act on. */
export interface LedgerFailure {
  readonly check: 'chain' | 'duplicate' | 'merkle' | 'checkpoint' | 'key';
  readonly message: string;
  readonly eventId?: string;
  /** Leaf index (place in the global order) of the event concerned. */
  readonly index?: number;
}

export interface CheckpointSummary {
  readonly eventId: string;
  readonly index: number;
  readonly treeSize: number;
  readonly rootHash: string;
  readonly keyId: string;
  readonly keyVersion: number;
  readonly fingerprint: string;
  readonly signedAt: string;
  readonly checkpoint: string;
}

export interface LedgerReport {
  readonly ok: boolean;
  readonly events: number;
  readonly streams: number;
  readonly checkpoints: number;
  readonly latestCheckpoint: CheckpointSummary | null;
  /** Events after the leaves the latest checkpoint covers (the checkpoint event itself included). */
  readonly uncoveredEvents: number;
  /** The first failures found (at most `maxFailures`); a break in a stream is reported once. */
  readonly failures: readonly LedgerFailure[];
  readonly warnings: readonly string[];
}

export interface LedgerAuditOptions {
  /**
   * `complete` (a whole ledger): every stream starts at revision 0 and has no
   * gap, and the leaves are exactly the events seen, so every checkpoint's
   * root is recomputed. `partial` (a filtered kit): streams may start late and
   * have gaps (the caller checks inclusion proofs instead of roots).
   */
  readonly mode: 'complete' | 'partial';
  /** Accept checkpoints only from these keys, within their windows; default: any key of the ledger's own registry. */
  readonly pinnedKeys?: readonly LedgerKeyPin[];
  /** Accept only this checkpoint origin. */
  readonly origin?: string;
  /**
   * A checkpoint seen before (e.g. kept by an auditor): the ledger must still
   * contain the tree it committed to. This is what detects a truncated tail.
   */
  readonly knownCheckpoint?: string;
  readonly maxFailures?: number;
  /**
   * Reads a stored event as its current shape before its `data` is
   * interpreted (checkpoints, key events): the runtime passes `readCurrent`,
   * which upcasts and refuses a version the build cannot read. Default: as
   * stored. Hashes and Merkle leaves are always over the stored event.
   */
  readonly read?: (event: RecordedEvent) => RecordedEvent;
}

/** How far apart writers' clocks may be before a checkpoint counts as back-dated. */
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

interface StreamCursor {
  nextRevision: bigint;
  prevHash: string;
  broken: boolean;
  /** Partial mode: the stream starts at revision 0 with no gap (it could be imported as is). */
  complete: boolean;
}

/**
 * Whole-ledger verification, pure and incremental: feed every event in global
 * order with `add`, then `finish`. Checks each stream's hash chain, duplicate
 * ids, every `LedgerCheckpointSigned` (signature by the ledger key as it stood
 * at signing time, root recomputed over the leaves it covers, sizes never
 * shrinking — two roots recomputed over the same leaves are consistent by
 * construction), and optionally a checkpoint the caller already knew.
 */
export class LedgerAudit {
  private readonly leaves = new LeafHashes();
  private frontier: Frontier = EMPTY_FRONTIER;
  private readonly streams = new Map<string, StreamCursor>();
  private readonly ids = new Set<string>();
  private readonly keyEvents = new Map<string, KeyEvent[]>();
  private readonly checkpoints: (CheckpointSummary & { readonly data: LedgerCheckpointSignedData })[] = [];
  private readonly failures: LedgerFailure[] = [];
  private failureCount = 0;
  private count = 0;
  /** The latest `occurredAt` among the events seen so far (RFC 3339 UTC strings order as times). */
  private latestOccurredAt = '';

  private readonly read: (event: RecordedEvent) => RecordedEvent;

  constructor(private readonly options: LedgerAuditOptions) {
    this.read = options.read ?? ((event) => event);
  }

  /** Number of events seen so far (the next event's leaf index in complete mode). */
  get size(): number {
    return this.count;
  }


  /** Streams that are complete from revision 0 without gaps or breaks. */
  incompleteStreams(): string[] {
    return [...this.streams.entries()].filter(([, c]) => !c.complete || c.broken).map(([s]) => s);
  }

  add(event: RecordedEvent): void {
    const index = this.count++;
    if (this.ids.has(event.id)) this.fail({ check: 'duplicate', message: `event id ${event.id} appears twice`, eventId: event.id, index });
    this.ids.add(event.id);
    // One canonicalisation gives both the chain hash and the Merkle leaf.
    const content = Buffer.from(canonicalEventContent(event), 'utf8');
    this.checkChain(event, index, sha256Hex(content));
    // Before this event's own leaf joins the tree: a checkpoint covers the events before it, so
    // its root is then the frontier's (O(log n)) rather than a recomputation over every leaf.
    if (isLedgerCheckpoint(event)) this.checkCheckpointEvent(this.read(event), index);
    const leaf = leafHash(content);
    if (this.options.mode === 'complete') {
      this.leaves.push(leaf);
      this.frontier = appendLeaf(this.frontier, leaf);
    }
    if (event.stream.startsWith('key-') && isKeyEvent(event)) {
      const keyId = event.stream.slice('key-'.length);
      const list = this.keyEvents.get(keyId) ?? [];
      list.push({ type: event.type, data: this.read(event).data } as KeyEvent);
      this.keyEvents.set(keyId, list);
    }
    if (event.metadata.occurredAt > this.latestOccurredAt) this.latestOccurredAt = event.metadata.occurredAt;
  }

  finish(): LedgerReport {
    const warnings: string[] = [];
    // Signatures are checked at the end, against the key's whole history:
    // a revocation recorded later still counts when it was effective at signing time.
    for (const cp of this.checkpoints) this.checkSignature(cp);
    const latest = this.checkpoints.at(-1) ?? null;
    if (latest === null) warnings.push('the ledger holds no LedgerCheckpointSigned event: only the hash chains were checked');
    if (this.options.knownCheckpoint !== undefined) this.checkKnown(this.options.knownCheckpoint);
    const uncovered = latest === null ? this.count : this.count - latest.treeSize;
    if (latest !== null && uncovered > 1) warnings.push(`${uncovered - 1} event(s) after the latest checkpoint are covered by no checkpoint yet`);
    if (this.failureCount > this.failures.length) warnings.push(`${this.failureCount - this.failures.length} further failure(s) not listed`);
    return {
      ok: this.failureCount === 0,
      events: this.count,
      streams: this.streams.size,
      checkpoints: this.checkpoints.length,
      latestCheckpoint: latest === null ? null : summary(latest),
      uncoveredEvents: uncovered,
      failures: this.failures,
      warnings,
    };
  }

  /** Root of the first `size` leaves (complete mode). */
  rootAt(size: number): Buffer {
    if (size === this.frontier.size) return frontierRoot(this.frontier);
    return rootOf(this.leaves.reader(), size);
  }


  private checkChain(e: RecordedEvent, index: number, contentHash: string): void {
    let cursor = this.streams.get(e.stream);
    const partial = this.options.mode === 'partial';
    if (cursor === undefined) {
      cursor = { nextRevision: partial ? e.revision : 0n, prevHash: partial && e.revision !== 0n ? e.metadata.prevHash : GENESIS_HASH, broken: false, complete: e.revision === 0n };
      this.streams.set(e.stream, cursor);
    }
    if (cursor.broken) return;
    const where = `stream ${e.stream} revision ${e.revision} (event ${e.id}, index ${index})`;
    const breakWith = (message: string): void => {
      cursor.broken = true;
      this.fail({ check: 'chain', message: `${where}: ${message}`, eventId: e.id, index });
    };
    if (e.revision !== cursor.nextRevision) {
      if (!partial || e.revision < cursor.nextRevision) return breakWith(`expected revision ${cursor.nextRevision} (removed, reordered or duplicated event)`);
      // A filtered kit may skip revisions: the link restarts, the event is authenticated by its inclusion proof.
      cursor.complete = false;
      cursor.prevHash = e.metadata.prevHash;
    }
    if (e.metadata.prevHash !== cursor.prevHash) return breakWith('prevHash does not match the previous event of the stream');
    if (contentHash !== e.metadata.hash) return breakWith('content does not hash to its recorded hash (altered event)');
    cursor.prevHash = e.metadata.hash;
    cursor.nextRevision = e.revision + 1n;
  }

  private checkCheckpointEvent(e: RecordedEvent, index: number): void {
    const data = e.data as LedgerCheckpointSignedData;
    const fail = (message: string): void => this.fail({ check: 'checkpoint', message: `checkpoint ${e.id} (index ${index}): ${message}`, eventId: e.id, index });
    if (typeof data !== 'object' || data === null || !Number.isSafeInteger(data.treeSize) || data.treeSize < 0 || typeof data.rootHash !== 'string' || typeof data.checkpoint !== 'string') {
      return fail('data is not a ledger checkpoint');
    }
    // A checkpoint cannot have been signed before the events it follows: a back-dated
    // signedAt would let a key revoked in between pass for valid at "signing time".
    // Writers' clocks may differ a little (several hosts on one EventStoreDB): a small skew is allowed.
    const signedAtMs = typeof data.signedAt === 'string' ? Date.parse(data.signedAt) : NaN;
    if (Number.isNaN(signedAtMs) || (this.latestOccurredAt !== '' && signedAtMs < Date.parse(this.latestOccurredAt) - MAX_CLOCK_SKEW_MS)) {
      return fail(`signedAt ${String(data.signedAt)} is earlier than the events it follows (latest ${this.latestOccurredAt}): a back-dated checkpoint`);
    }
    const previous = this.checkpoints.at(-1);
    if (this.options.mode === 'complete' && data.treeSize > index) return fail(`covers ${data.treeSize} events but only ${index} precede it`);
    if (previous !== undefined && data.treeSize < previous.treeSize) {
      return fail(`tree size ${data.treeSize} is smaller than the previous checkpoint's ${previous.treeSize}: not an append-only extension`);
    }
    if (this.options.mode === 'complete') {
      const root = this.rootAt(data.treeSize).toString('hex');
      if (root !== data.rootHash) {
        fail(`root ${data.rootHash} does not match the root ${root} recomputed over the first ${data.treeSize} events (an event was altered, removed, inserted or reordered)`);
      }
    }
    this.checkpoints.push({ ...summary({ eventId: e.id, index, data }), data });
  }

  private checkSignature(cp: CheckpointSummary & { readonly data: LedgerCheckpointSignedData }): void {
    const fail = (check: LedgerFailure['check'], message: string): void =>
      this.fail({ check, message: `checkpoint ${cp.eventId} (index ${cp.index}): ${message}`, eventId: cp.eventId, index: cp.index });
    const verified = verifyLedgerCheckpointSignature(cp.data, (keyId) => this.keyEvents.get(keyId) ?? [], this.options);
    if (!verified.ok) return fail(verified.check, verified.reason);
  }

  private checkKnown(note: string): void {
    const parsedNote = parseSignedNote(note);
    if (!parsedNote.ok || !parseCheckpointBody(parsedNote.value.text).ok) return this.fail({ check: 'checkpoint', message: 'the known checkpoint given is not a checkpoint note' });
    // Its size and root as the signature check read them (strictly), not a second, looser parse.
    let known: Checkpoint | null = null;
    for (const c of this.checkpoints) {
      known = openedWith(note, c.data, (keyId) => this.keyEvents.get(keyId) ?? []);
      if (known !== null) break;
    }
    if (known === null) return this.fail({ check: 'checkpoint', message: 'the known checkpoint is not signed by any ledger key version this ledger records' });
    if (this.options.mode !== 'complete') return;
    if (known.size > this.count) {
      return this.fail({ check: 'merkle', message: `the known checkpoint covers ${known.size} events but the ledger holds only ${this.count} (events were removed)` });
    }
    if (!this.rootAt(known.size).equals(known.rootHash)) {
      this.fail({ check: 'merkle', message: `the ledger's first ${known.size} events no longer have the root of the known checkpoint (history was rewritten)` });
    }
  }

  private fail(failure: LedgerFailure): void {
    this.failureCount++;
    if (this.failures.length < (this.options.maxFailures ?? 50)) this.failures.push(failure);
  }
}

function summary(c: { eventId: string; index: number; data: LedgerCheckpointSignedData }): CheckpointSummary {
  const d = c.data;
  return {
    eventId: c.eventId,
    index: c.index,
    treeSize: d.treeSize,
    rootHash: d.rootHash,
    keyId: d.keyId,
    keyVersion: d.keyVersion,
    fingerprint: d.fingerprint,
    signedAt: d.signedAt,
    checkpoint: d.checkpoint,
  };
}

export type SignatureCheck = { readonly ok: true; readonly publicKeyPem: string } | { readonly ok: false; readonly check: 'checkpoint' | 'key'; readonly reason: string };

/**
 * Is this checkpoint signed by the ledger key version it names, which was the
 * key's active version at the revision recorded, not revoked (effective) at
 * signing time, and pinned when pins are given? Does the note say what the
 * event says?
 */
export function verifyLedgerCheckpointSignature(
  data: LedgerCheckpointSignedData,
  keyEventsOf: (keyId: string) => readonly KeyEvent[],
  options: { readonly pinnedKeys?: readonly LedgerKeyPin[]; readonly origin?: string } = {},
): SignatureCheck {
  const key = keyAsSigned(data, keyEventsOf);
  if (!key.ok) return key;
  const unpinned = options.pinnedKeys === undefined ? undefined : pinProblem(options.pinnedKeys, data.fingerprint, data.signedAt);
  if (unpinned !== undefined) return { ok: false, check: 'key', reason: `signed by key ${data.keyId} v${data.keyVersion}: ${unpinned}` };
  const verifier = noteVerifierOf(data.origin, key.publicKeyPem);
  if (!verifier.ok) return { ok: false, check: 'key', reason: verifier.reason };
  const opened = openCheckpoint(data.checkpoint, [verifier.value], options.origin === undefined ? {} : { origin: options.origin });
  if (!opened.ok) return { ok: false, check: 'checkpoint', reason: `signed note: ${opened.reason}` };
  const cp = opened.value.checkpoint;
  if (cp.origin !== data.origin || cp.size !== data.treeSize || cp.rootHash.toString('hex') !== data.rootHash) {
    return { ok: false, check: 'checkpoint', reason: 'the signed note does not state the tree size and root of the event' };
  }
  return key;
}

/** The public key of the version that signed, if the registry allowed it to sign then. */
export function keyAsSigned(
  signer: { readonly keyId: string; readonly keyVersion: number; readonly fingerprint: string; readonly keyRevision: number; readonly signedAt: string },
  keyEventsOf: (keyId: string) => readonly KeyEvent[],
): SignatureCheck {
  const events = keyEventsOf(signer.keyId);
  if (!wasActiveAtRevision(events, signer)) {
    return { ok: false, check: 'key', reason: `key ${signer.keyId} v${signer.keyVersion} (${signer.fingerprint}) was not the key's active version at revision ${signer.keyRevision}` };
  }
  const validity = signingValidityAt(foldKey(events), signer.keyVersion, signer.signedAt);
  if (!validity.valid) return { ok: false, check: 'key', reason: validity.message };
  return { ok: true, publicKeyPem: validity.publicKeyPem };
}

/** The checkpoint in `note` if the key that signed this ledger checkpoint signed it too, else null. */
function openedWith(note: string, signer: LedgerCheckpointSignedData, keyEventsOf: (keyId: string) => readonly KeyEvent[]): Checkpoint | null {
  const key = keyAsSigned(signer, keyEventsOf);
  if (!key.ok) return null;
  const verifier = noteVerifierOf(signer.origin, key.publicKeyPem);
  if (!verifier.ok) return null;
  const opened = openCheckpoint(note, [verifier.value]);
  return opened.ok ? opened.value.checkpoint : null;
}

function noteVerifierOf(name: string, publicKeyPem: string): ReturnType<typeof noteVerifierFor> {
  try {
    return noteVerifierFor(name, publicKeyFromPem(publicKeyPem));
  } catch {
    return { ok: false, reason: `the public key recorded for ${name} cannot be read` };
  }
}
