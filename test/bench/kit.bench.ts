import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, mkdtempSync, openSync, closeSync, writeSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { SqliteEventStore } from '../../adapters/event-store/sqlite/sqlite.event-store';
import { FileKeyProvider } from '../../adapters/keys/file.key-provider';
import { KeyProviderRegistry } from '../../adapters/keys/key-providers';
import { FilesystemObjectStore } from '../../adapters/object-store/filesystem.object-store';
import { SqliteReadModelStore } from '../../adapters/read-models/sqlite.read-model-store';
import type { EventId, NewEvent } from '../../domain/events/event';
import { streamName } from '../../domain/events/stream-name';
import { allProjections } from '../../projections';
import { exportKit } from '../../src/kit/kit-export';
import { importKit } from '../../src/kit/kit-import';
import { verifyKit } from '../../src/kit/kit-verify';
import { LedgerCheckpointer } from '../../src/ledger/ledger-checkpointer';
import { LedgerKey } from '../../src/ledger/ledger-key';
import { allEvents } from '../../src/ledger/ledger-verification';
import { rebuildProjections } from '../../src/projections-runtime/rebuild';
import { KeyService } from '../../src/signing/key.service';
import { SigningService } from '../../src/signing/signing.service';
import { SystemClock } from '../../src/clock/system-clock';
import { testContext } from '../support/events';
import { printTable, type Figure } from './table';

const EVENTS = Number(process.env['BENCH_KIT_EVENTS'] ?? process.env['BENCH_REBUILD_EVENTS'] ?? 1_000_000);

const event = (i: number): NewEvent => ({
  id: randomUUID() as EventId,
  type: 'ThingHappened',
  schemaVersion: 1,
  data: { n: i, note: `event ${i}`, digest: i.toString(16).padStart(64, '0') },
  metadata: testContext,
});

const seconds = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e9;

/**
 * `npm run bench -- kit`: export, verify, import and rebuild of a store of
 * BENCH_KIT_EVENTS events (default 1,000,000), each against raw NDJSON and
 * raw SHA-256 over the same bytes, measured in the same run.
 */
export async function benchKit(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'attestor-bench-kit-'));
  const figures: Figure[] = [];
  try {
    const store = SqliteEventStore.open(join(dir, 'events.sqlite'), { synchronous: 'NORMAL' });
    const providers = new KeyProviderRegistry([new FileKeyProvider(join(dir, 'keys'))]);
    const clock = new SystemClock();
    const keys = new KeyService(store, providers, clock);
    const archive = new FilesystemObjectStore(join(dir, 'archive'));
    const signing = new SigningService(store, providers, archive, clock);
    const ledgerKey = new LedgerKey(store, keys, providers);
    const checkpointer = new LedgerCheckpointer(store, ledgerKey, clock);

    // Some real signings (envelopes to carry and verify), then bulk events.
    const key = await keys.create({ name: 'bench', provider: 'file' });
    for (let i = 0; i < 100; i++) await signing.sign({ keyIds: [key.keyId], payloadType: 'text/plain', payload: Buffer.from(`artifact ${i}`) });
    const fillStart = process.hrtime.bigint();
    for (let done = 0; done < EVENTS; done += 1000) {
      const batch = Array.from({ length: Math.min(1000, EVENTS - done) }, (_, k) => event(done + k));
      await store.append(streamName('bench', String((done / 1000) % 256)), batch);
    }
    process.stderr.write(`filled ${EVENTS} events in ${seconds(fillStart).toFixed(1)} s\n`);

    // Baseline for export: read every event and write it as raw NDJSON (JSON.stringify, no canonical form, no hashing, no tar).
    let t0 = process.hrtime.bigint();
    const rawFile = join(dir, 'raw.ndjson');
    const fd = openSync(rawFile, 'w');
    let chunk: string[] = [];
    let rawCount = 0;
    for await (const e of allEvents(store)) {
      chunk.push(JSON.stringify({ ...e, revision: e.revision.toString(), position: e.position.commit.toString() }));
      rawCount++;
      if (chunk.length === 5000) {
        writeSync(fd, `${chunk.join('\n')}\n`);
        chunk = [];
      }
    }
    writeSync(fd, `${chunk.join('\n')}\n`);
    closeSync(fd);
    const rawWrite = rawCount / seconds(t0);

    t0 = process.hrtime.bigint();
    const kitFile = join(dir, 'kit.tar');
    const exported = await exportKit({ store, archive, checkpointer, ledgerKey }, { out: kitFile, signatureCacheDir: join(dir, 'sigs') });
    const exportSeconds = seconds(t0);
    const kitEvents = exported.manifest.counts.events;
    figures.push({ name: `export (checkpoint + kit) of ${kitEvents.toLocaleString('en-US')} events`, value: kitEvents / exportSeconds, unit: 'events/s', baseline: { name: 'raw NDJSON write', value: rawWrite }, target: `took ${exportSeconds.toFixed(1)} s` });

    // Baselines for verify: raw SHA-256 over the kit's bytes; raw NDJSON read (JSON.parse each line).
    t0 = process.hrtime.bigint();
    const hash = createHash('sha256');
    for await (const c of createReadStream(kitFile) as AsyncIterable<Buffer>) hash.update(c);
    hash.digest();
    const shaRate = kitEvents / seconds(t0);
    t0 = process.hrtime.bigint();
    let parsed = 0;
    for await (const line of createInterface({ input: createReadStream(rawFile), crlfDelay: Infinity })) {
      if (line !== '') {
        JSON.parse(line);
        parsed++;
      }
    }
    const rawRead = parsed / seconds(t0);

    t0 = process.hrtime.bigint();
    const report = await verifyKit(kitFile);
    const verifySeconds = seconds(t0);
    if (!report.ok) throw new Error(`the benchmark kit does not verify: ${report.failures.join('; ')}`);
    figures.push({ name: 'kit verify', value: kitEvents / verifySeconds, unit: 'events/s', baseline: { name: 'raw NDJSON read', value: rawRead }, target: `took ${verifySeconds.toFixed(1)} s` });
    figures.push({ name: 'kit verify', value: kitEvents / verifySeconds, unit: 'events/s', baseline: { name: `raw SHA-256 of the kit (${(statSync(kitFile).size / 2 ** 20).toFixed(0)} MiB)`, value: shaRate } });

    // Offline rebuild: import the kit into a fresh store with no network, then rebuild every read model.
    const offline = SqliteEventStore.open(join(dir, 'offline.sqlite'), { synchronous: 'NORMAL' });
    t0 = process.hrtime.bigint();
    await importKit(kitFile, offline, { archive: new FilesystemObjectStore(join(dir, 'offline-archive')) });
    const importSeconds = seconds(t0);
    figures.push({ name: 'import (verify + append)', value: kitEvents / importSeconds, unit: 'events/s', baseline: { name: 'raw NDJSON read', value: rawRead }, target: `took ${importSeconds.toFixed(1)} s` });
    const readModels = SqliteReadModelStore.open(join(dir, 'rm.sqlite'));
    t0 = process.hrtime.bigint();
    await rebuildProjections(offline, readModels, allProjections);
    const rebuildSeconds = seconds(t0);
    figures.push({
      name: `offline rebuild of ${allProjections.length} read models from the imported kit`,
      value: kitEvents / rebuildSeconds,
      unit: 'events/s',
      baseline: { name: 'raw NDJSON read', value: rawRead },
      target: `≤ 30 s for 1,000,000 (took ${rebuildSeconds.toFixed(1)} s)`,
    });
    readModels.close();
    await offline.close();
    await providers.close();
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  printTable('kit', figures);
}
