import test from 'ava';
import { join } from 'node:path';
import { SqliteEventStore } from '../../adapters/event-store/sqlite/sqlite.event-store';
import { streamName } from '../../domain/events/stream-name';
import type { EventId, RecordedEvent } from '../../domain/events/event';
import { importKit, KitRefusedError } from '../../src/kit/kit-import';
import { verifyKit } from '../../src/kit/kit-verify';
import { someEvents } from '../support/events';
import { forgeKit, withTheLedgerKey } from './helpers/forge-kit';
import { exportedKit } from './helpers/ledger-fixture';

test("import into a store holding other events names the store's event and the kit's, or says the kit has fewer events", async (t) => {
  const { f, dir, kit } = await exportedKit(t);
  const first = (await f.store.readAll())[0]!;

  const other = SqliteEventStore.open(join(dir, 'other.sqlite'));
  t.teardown(() => other.close());
  await other.append(streamName('thing', 'elsewhere'), someEvents(1));
  const theirs = (await other.readAll())[0]!;
  const refused = await t.throwsAsync(importKit(kit.file, other, { archive: null }), { instanceOf: KitRefusedError });
  t.is(refused?.message, `the store is not empty and its event 0 (${theirs.id}) is not the kit's event 0 (${first.id}): import into a fresh store`);

  const target = SqliteEventStore.open(join(dir, 'imported.sqlite'));
  t.teardown(() => target.close());
  await importKit(kit.file, target, { archive: null });
  await target.append(streamName('thing', 'after-import'), someEvents(1));
  const all = await target.readAll();
  const extra = all.at(-1)!;
  const longer = await t.throwsAsync(importKit(kit.file, target, { archive: null }), { instanceOf: KitRefusedError });
  t.is(longer?.message, `the store is not empty and its event ${all.length - 1} (${extra.id}) is not the kit's event ${all.length - 1} (the kit has fewer events): import into a fresh store`);
  t.is((await target.readAll()).length, all.length);
});

test("kit verify applies the store's rules to every event, so a re-signed kit holding an event a store would refuse fails verification and import alike", async (t) => {
  const { f, dir, kit } = await exportedKit(t);
  const key = await withTheLedgerKey(f);
  const cases: readonly { name: string; mutate: (e: RecordedEvent) => RecordedEvent; reason: RegExp }[] = [
    { name: 'proto-type', mutate: (e) => ({ ...e, type: '__proto__' }), reason: /type must be a PascalCase name/ },
    { name: 'empty-type', mutate: (e) => ({ ...e, type: '' }), reason: /type must be a PascalCase name/ },
    { name: 'yesterday', mutate: (e) => ({ ...e, metadata: { ...e.metadata, occurredAt: 'yesterday' } }), reason: /metadata\.occurredAt must be an RFC 3339 UTC timestamp/ },
    { name: 'not-a-uuid', mutate: (e) => ({ ...e, id: 'not-a-uuid' as EventId }), reason: /id must be a lowercase UUID, got "not-a-uuid"/ },
  ];
  for (const c of cases) {
    const forged = join(dir, `${c.name}.tar`);
    // Re-chained and re-signed by the ledger key's holder: every other check passes.
    await forgeKit(kit.file, forged, { ...key, mutateEvent: (e) => (e.stream === 'thing-one' && e.revision === 4n ? c.mutate(e) : undefined) });
    const report = await verifyKit(forged);
    t.false(report.ok, c.name);
    t.deepEqual(report.failures.length, 1, report.failures.join('\n'));
    t.regex(report.failures[0] ?? '', /^events: event \d+ \(.*\) would be refused by the store: /, c.name);
    t.regex(report.failures[0] ?? '', c.reason, c.name);

    const target = SqliteEventStore.open(join(dir, `${c.name}.sqlite`));
    t.teardown(() => target.close());
    const error = await t.throwsAsync(importKit(forged, target, { archive: null }), { instanceOf: KitRefusedError });
    t.regex(error?.message ?? '', c.reason, c.name);
    t.is((await target.readAll()).length, 0, 'nothing was written');
  }
});
