import test from 'ava';
import { join } from 'node:path';
import { SqliteEventStore } from '../../adapters/event-store/sqlite/sqlite.event-store';
import { streamName } from '../../domain/events/stream-name';
import { ValidationError } from '../../src/errors/app-error';
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

test("a kit that verifies but holds an event the store's rules refuse is refused before anything is written", async (t) => {
  const { f, dir, kit } = await exportedKit(t);
  // Re-chained and re-signed by the ledger key's holder: it verifies, but one late event has a type no store accepts.
  await forgeKit(kit.file, join(dir, 'bad-type.tar'), {
    ...(await withTheLedgerKey(f)),
    mutateEvent: (e) => (e.stream === 'thing-one' && e.revision === 4n ? { ...e, type: 'thing_happened' } : undefined),
  });
  const report = await verifyKit(join(dir, 'bad-type.tar'));
  t.true(report.ok, report.failures.join('\n'));

  const target = SqliteEventStore.open(join(dir, 'imported.sqlite'));
  t.teardown(() => target.close());
  const error = await t.throwsAsync(importKit(join(dir, 'bad-type.tar'), target, { archive: null }), { instanceOf: ValidationError });
  t.false(error instanceof KitRefusedError, 'refused by the store rules, not by verification');
  t.regex(error?.message ?? '', /type must be a PascalCase name/);
  t.is((await target.readAll()).length, 0, 'nothing was written');
});
