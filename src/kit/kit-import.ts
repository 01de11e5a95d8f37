import type { RecordedEvent } from '../../domain/events/event';
import { LeafHashes } from '../../domain/ledger/ledger-leaf';
import { ConflictError, ValidationError } from '../errors/app-error';
import type { EventStore } from '../ports/event-store';
import type { ObjectStore } from '../ports/object-store';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { sha256Hex } from '../../domain/shared/sha256';
import { envelopeDigestOf, envelopeFile, toNewEvent } from './kit-format';
import { allEvents } from '../ledger/ledger-verification';
import type { KitTrust } from './kit-trust';
import { kitEvents, verifyExtractedKit, withExtractedKit, type KitReport } from './kit-verify';
import { eventContentHash } from '../../domain/events/event-hash';

/** A kit that fails verification, or cannot be imported into this store: nothing was written. */
export class KitRefusedError extends ValidationError {
  constructor(
    message: string,
    readonly report: KitReport | null,
  ) {
    super(message, {}, 'kit_refused');
  }
}

export interface ImportResult {
  readonly report: KitReport;
  /** Events appended by this import (0 when the store already held the kit: a no-op). */
  readonly appended: number;
  /** Events the store already held (a previous, possibly interrupted, import of the same kit). */
  readonly alreadyPresent: number;
  /** Envelopes written to the archive by this import (0 when the archive already held them all, or no archive was given). */
  readonly envelopesArchived: number;
}

export interface ImportKitOptions {
  /**
   * The target's envelope archive: every envelope the kit's events name is put
   * there (content-addressed, checked against its digest) before any event is
   * appended. `null` only where nothing will read the envelopes (a scratch store
   * rebuilt into read models): the import then restores events alone.
   */
  readonly archive: ObjectStore | null;
  readonly trust?: KitTrust;
  readonly onProgress?: (done: number, total: number) => void;
}

const IN_FLIGHT = 2000;

/**
 * `attestor import kit.tar`: verifies the kit, then appends its events to a
 * fresh or empty store (or one holding a prefix of this very kit, after an
 * interrupted import) in kit order, with their ids, revisions and hashes. A
 * kit that fails any check is refused with the first failure and nothing is
 * written; importing the same kit twice appends nothing the second time.
 */
export async function importKit(file: string, store: EventStore, options: ImportKitOptions): Promise<ImportResult> {
  let extractedOk = false;
  try {
    return await importExtracted(file, store, options, () => (extractedOk = true));
  } catch (error) {
    if (extractedOk || error instanceof KitRefusedError) throw error;
    // The archive itself could not be read: refused like any other failed check, nothing written.
    throw new KitRefusedError(`kit ${file} cannot be read as an archive: ${error instanceof Error ? error.message : String(error)}`, null);
  }
}

function importExtracted(
  file: string,
  store: EventStore,
  options: ImportKitOptions,
  extracted_: () => void,
): Promise<ImportResult> {
  return withExtractedKit(file, async (dir, extracted) => {
    extracted_();
    // The verification reads every event once (and checks each with the store's own rules: a kit whose
    // events a store would refuse does not verify); while it does, each event's hash is kept (32 bytes)
    // and the envelopes it names, so that neither the checks below nor the read-back read the kit again:
    // the appends are the only other read of it.
    const hashes = new LeafHashes();
    const envelopes = new Set<string>();
    const report = await verifyExtractedKit(file, dir, extracted, options.trust ? { trust: options.trust } : {}, (e) => {
      hashes.push(hashOf(e));
      const digest = envelopeDigestOf(e);
      if (digest !== null) envelopes.add(digest);
    });
    if (!report.ok) throw new KitRefusedError(`kit ${file} failed verification: ${report.failures[0] ?? 'unknown failure'}`, report);
    if (report.manifest?.selection.partial !== false || report.incompleteStreams.length > 0) {
      throw new KitRefusedError(
        `kit ${file} is a partial export (${describeSelection(report)}): its events are proved one by one against the ledger checkpoint but do not form the ledger's tree, so a store built from them would not verify; import a complete kit (export without --tenant, --since or --streams)`,
        report,
      );
    }

    // The store must be empty or hold exactly a prefix of the kit.
    let present = 0;
    for await (const stored of allEvents(store)) {
      if (!sameEvent(stored, hashes, present)) {
        const theirs = present < hashes.size ? await kitEventAt(dir, present) : null;
        throw new KitRefusedError(
          `the store is not empty and its event ${present} (${stored.id}) is not the kit's event ${present}${theirs === null ? ' (the kit has fewer events)' : ` (${theirs.id})`}: import into a fresh store`,
          report,
        );
      }
      present++;
    }
    const total = report.manifest?.counts.events ?? 0;

    // Envelopes first, so that no event is ever stored whose envelope the archive lacks (a crash
    // between the two leaves envelopes nothing names yet, which the next import finds already there).
    // Always all of them, also when every event is already present: that repairs a store imported
    // without its envelopes.
    const envelopesArchived = options.archive === null ? 0 : await archiveEnvelopes(dir, envelopes, options.archive);

    // Appends are pipelined only where the store commits them in call order, so the
    // global order (and so the ledger tree) is the kit's; elsewhere each run waits for
    // the one before. The first failure stops the import: nothing more is sent. Sent
    // one at a time, what was written is a prefix of the kit, which a second import
    // resumes; pipelined, appends queued behind the failed one may still commit, and a
    // second import then names the first event that differs.
    const inFlight = store.appendsCommitInCallOrder ? IN_FLIGHT : 1;
    let appended = 0;
    let pending: Promise<unknown>[] = [];
    let failure: { error: unknown } | null = null;
    let run: RecordedEvent[] = [];
    const settle = async (): Promise<void> => {
      await Promise.all(pending);
      pending = [];
      if (failure !== null) throw failure.error;
      options.onProgress?.(present + appended, total);
    };
    const flushRun = (): void => {
      const first = run[0];
      if (first === undefined) return;
      const events = run.map(toNewEvent);
      const count = run.length;
      pending.push(
        store.append(first.stream, events, { expectedRevision: first.revision === 0n ? 'no_stream' : first.revision - 1n }).then(
          () => void (appended += count),
          (error: unknown) => void (failure ??= { error }),
        ),
      );
      run = [];
    };
    let index = present;
    // The second read of the kit: its lines were found canonical by the verification; each event must still carry
    // the hash verified (or nothing more is written), and the read-back below compares what the store made of it.
    for await (const e of kitEvents(dir, present, { canonical: false })) {
      if (!hashOf(e).equals(hashes.at(index))) {
        failure ??= { error: new ConflictError(`the kit's event ${index} (${e.id}) is not the one verified: the extracted kit changed during the import`) };
        break;
      }
      index++;
      if (run.length > 0 && (run[0]!.stream !== e.stream || run.length >= 500)) flushRun();
      run.push(e);
      if (pending.length >= inFlight || failure !== null) await settle();
    }
    if (failure === null) flushRun();
    await settle();

    // Read back: the store computed the same hashes the kit carries.
    let i = 0;
    for await (const stored of allEvents(store)) {
      if (!sameEvent(stored, hashes, i)) throw new ConflictError(`after import, stored event ${i} (${stored.id}) differs from the kit's: the store is not the one the kit came from`);
      i++;
    }
    if (i !== hashes.size) throw new ConflictError(`after import, the store holds ${i} events, the kit ${hashes.size}: the store is not the one the kit came from`);
    return { report, appended, alreadyPresent: present, envelopesArchived };
  });
}

/**
 * Puts each envelope into the archive, one at a time, checking that its bytes
 * still hash to the digest the verified events name and that the archive files
 * them under it. The archive's puts are idempotent: a second import writes nothing.
 */
async function archiveEnvelopes(dir: string, digests: ReadonlySet<string>, archive: ObjectStore): Promise<number> {
  let created = 0;
  for (const digest of [...digests].sort()) {
    const bytes = await fs.readFile(path.join(dir, envelopeFile(digest))).catch(() => null);
    if (bytes === null || sha256Hex(bytes) !== digest) {
      throw new ConflictError(`the kit's envelope ${digest} is missing or no longer hashes to its name: the extracted kit changed during the import; no event was written`);
    }
    const put = await archive.put(bytes);
    if (put.digest !== digest) throw new ConflictError(`the archive filed envelope ${digest} under ${put.digest}; no event was written`);
    if (put.created) created++;
  }
  return created;
}

/** The kit's `index`th event (to name it in a message), or null. */
async function kitEventAt(dir: string, index: number): Promise<RecordedEvent | null> {
  for await (const e of kitEvents(dir, index)) return e;
  return null;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** An event's recorded hash as 32 bytes (zeros when it is no hex SHA-256: then it matches no content). */
function hashOf(e: RecordedEvent): Buffer {
  return HEX64.test(e.metadata.hash) ? Buffer.from(e.metadata.hash, 'hex') : Buffer.alloc(32);
}

/**
 * The stored event is the kit's `index`th event: it carries the kit event's
 * hash, and its content really hashes to it (the stored hash field alone
 * could have been left in place over altered data). The hash covers the
 * stream, revision, id, type, data, context and previous hash: the same
 * place, the same chain links and the same content.
 */
function sameEvent(a: RecordedEvent, kit: LeafHashes, index: number): boolean {
  return index < kit.size && hashOf(a).equals(kit.at(index)) && eventContentHash(a) === a.metadata.hash;
}

function describeSelection(report: KitReport): string {
  const s = report.manifest?.selection;
  if (!s) return 'no selection';
  return [s.tenant !== null ? `--tenant ${s.tenant}` : '', s.since !== null ? `--since ${s.since}` : '', s.streams !== null ? `--streams ${s.streams.join(',')}` : ''].filter(Boolean).join(' ') || 'incomplete streams';
}
