import type { NewEvent, RecordedEvent } from '../../domain/events/event';
import { validateNewEvents } from '../../adapters/event-store/validate-new-events';
import { ConflictError, ValidationError } from '../errors/app-error';
import type { EventStore } from '../ports/event-store';
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
}

const IN_FLIGHT = 2000;

/**
 * `attestor import kit.tar`: verifies the kit, then appends its events to a
 * fresh or empty store (or one holding a prefix of this very kit, after an
 * interrupted import) in kit order, with their ids, revisions and hashes. A
 * kit that fails any check is refused with the first failure and nothing is
 * written; importing the same kit twice appends nothing the second time.
 */
export async function importKit(file: string, store: EventStore, options: { trust?: KitTrust; onProgress?: (done: number, total: number) => void } = {}): Promise<ImportResult> {
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
  options: { trust?: KitTrust; onProgress?: (done: number, total: number) => void },
  extracted_: () => void,
): Promise<ImportResult> {
  return withExtractedKit(file, async (dir, extracted) => {
    extracted_();
    const report = await verifyExtractedKit(file, dir, extracted, options.trust ? { trust: options.trust } : {});
    if (!report.ok) throw new KitRefusedError(`kit ${file} failed verification: ${report.failures[0] ?? 'unknown failure'}`, report);
    if (report.manifest?.selection.partial !== false || report.incompleteStreams.length > 0) {
      throw new KitRefusedError(
        `kit ${file} is a partial export (${describeSelection(report)}): its events are proved one by one against the ledger checkpoint but do not form the ledger's tree, so a store built from them would not verify; import a complete kit (export without --tenant, --since or --streams)`,
        report,
      );
    }

    // The store must be empty or hold exactly a prefix of the kit.
    const kit = kitEvents(dir);
    let present = 0;
    for await (const stored of allEvents(store)) {
      const next = await kit.next();
      if (next.done || !sameEvent(stored, next.value)) {
        throw new KitRefusedError(
          `the store is not empty and its event ${present} (${stored.id}) is not the kit's event ${present}${next.done ? ' (the kit has fewer events)' : ` (${next.value.id})`}: import into a fresh store`,
          report,
        );
      }
      present++;
    }
    // Pre-check every remaining event with the store's own rules before writing any.
    const total = report.manifest?.counts.events ?? 0;
    for await (const e of kitEvents(dir)) validateNewEvents(e.stream, [toNew(e)]);

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
      const events = run.map(toNew);
      const count = run.length;
      pending.push(
        store.append(first.stream, events, { expectedRevision: first.revision === 0n ? 'no_stream' : first.revision - 1n }).then(
          () => void (appended += count),
          (error: unknown) => void (failure ??= { error }),
        ),
      );
      run = [];
    };
    for (let next = await kit.next(); !next.done; next = await kit.next()) {
      const e = next.value;
      if (run.length > 0 && (run[0]!.stream !== e.stream || run.length >= 500)) flushRun();
      run.push(e);
      if (pending.length >= inFlight || failure !== null) await settle();
    }
    flushRun();
    await settle();

    // Read back: the store computed the same hashes the kit carries.
    let i = 0;
    const check = kitEvents(dir);
    for await (const stored of allEvents(store)) {
      const expected = await check.next();
      if (expected.done || !sameEvent(stored, expected.value)) throw new ConflictError(`after import, stored event ${i} (${stored.id}) differs from the kit's: the store is not the one the kit came from`);
      i++;
    }
    return { report, appended, alreadyPresent: present };
  });
}

/**
 * The stored event is the kit's event: same place, same chain links, and a
 * content that really hashes to them (the stored hash fields alone could have
 * been left in place over altered data).
 */
function sameEvent(a: RecordedEvent, b: RecordedEvent): boolean {
  return (
    a.id === b.id &&
    a.stream === b.stream &&
    a.revision === b.revision &&
    a.metadata.hash === b.metadata.hash &&
    a.metadata.prevHash === b.metadata.prevHash &&
    eventContentHash(a) === a.metadata.hash
  );
}

function toNew(e: RecordedEvent): NewEvent {
  const m = e.metadata;
  return {
    id: e.id,
    type: e.type,
    schemaVersion: e.schemaVersion,
    data: e.data,
    metadata: { tenant: m.tenant, actor: m.actor, correlationId: m.correlationId, causationId: m.causationId, occurredAt: m.occurredAt },
  };
}

function describeSelection(report: KitReport): string {
  const s = report.manifest?.selection;
  if (!s) return 'no selection';
  return [s.tenant !== null ? `--tenant ${s.tenant}` : '', s.since !== null ? `--since ${s.since}` : '', s.streams !== null ? `--streams ${s.streams.join(',')}` : ''].filter(Boolean).join(' ') || 'incomplete streams';
}
