import test from 'ava';
import { LEDGER_CHECKPOINT_STREAM } from '../../domain/ledger/ledger.events';
import { parseCheckpointBody, parseSignedNote, verifyInclusion } from '../../domain/transparency';
import { proveEvent, verifyLedger } from '../../src/ledger/ledger-verification';
import { ledgerFixture, populate } from '../kit/helpers/ledger-fixture';
import { streamName } from '../../domain/events/stream-name';
import { someEvents } from '../support/events';

test('a checkpoint covers every event before it, is signed by the ledger key and verifies', async (t) => {
  const f = ledgerFixture();
  t.teardown(() => f.close());
  await populate(f);
  const before = (await f.store.readAll()).length;
  const cp = await f.checkpointer.checkpointNow();
  t.true(cp.created);
  // The ledger key was created first, so its events are covered too.
  const after = await f.store.readAll();
  t.is(cp.data.treeSize, after.length - 1);
  t.true(cp.data.treeSize >= before);
  t.is(cp.index, cp.data.treeSize);
  t.is(cp.data.keyId, 'ledger');
  const note = parseSignedNote(cp.data.checkpoint);
  t.true(note.ok);
  const body = note.ok ? parseCheckpointBody(note.value.text) : null;
  t.is(body?.ok && body.value.size, cp.data.treeSize);

  const report = await verifyLedger(f.store);
  t.true(report.ok, JSON.stringify(report.failures));
  t.is(report.checkpoints, 1);
  t.is(report.uncoveredEvents, 1);
});

test('checkpointing again with nothing new is a no-op; successive checkpoints verify as extensions', async (t) => {
  const f = ledgerFixture();
  t.teardown(() => f.close());
  await populate(f, 1);
  const first = await f.checkpointer.checkpointNow();
  const again = await f.checkpointer.checkpointNow();
  t.false(again.created);
  t.is(again.eventId, first.eventId);
  await f.store.append(streamName('thing', 'two'), someEvents(7).map((e) => ({ ...e, metadata: { ...e.metadata, occurredAt: f.clock.now() } })));
  const second = await f.checkpointer.checkpointNow();
  t.true(second.created);
  t.is(second.data.treeSize, first.index + 1 + 7);
  const stream = await f.store.readStream(LEDGER_CHECKPOINT_STREAM);
  t.is(stream.length, 2);
  const report = await verifyLedger(f.store, { knownCheckpoint: first.data.checkpoint });
  t.true(report.ok, JSON.stringify(report.failures));
  t.is(report.checkpoints, 2);
});

test('a checkpointer in a fresh process picks up where the ledger is', async (t) => {
  const f = ledgerFixture();
  t.teardown(() => f.close());
  await populate(f, 1);
  await f.checkpointer.checkpointNow();
  const { LedgerCheckpointer } = await import('../../src/ledger/ledger-checkpointer');
  const other = new LedgerCheckpointer(f.store, f.ledgerKey, f.clock);
  t.false((await other.checkpointNow()).created);
});

test('ledger prove gives an inclusion proof that leads to the signed root', async (t) => {
  const f = ledgerFixture();
  t.teardown(() => f.close());
  await populate(f);
  const events = await f.store.readAll();
  await f.checkpointer.checkpointNow();
  const target = events[3]!;
  const proof = await proveEvent(f.store, target.id);
  t.is(proof.leafIndex, 3);
  const verdict = verifyInclusion(
    { leafIndex: proof.leafIndex, treeSize: proof.treeSize, hashes: proof.hashes.map((h) => Buffer.from(h, 'hex')) },
    Buffer.from(proof.leafHash, 'hex'),
    Buffer.from(proof.rootHash, 'hex'),
  );
  t.true(verdict.ok);
  const latest = (await f.store.readAll()).at(-1)!;
  await t.throwsAsync(proveEvent(f.store, latest.id), { message: /not covered by a ledger checkpoint yet/ });
  await t.throwsAsync(proveEvent(f.store, '00000000-0000-4000-8000-000000000000'), { message: /no event/ });
});

test('the periodic checkpointer checkpoints only when something was appended', async (t) => {
  const f = ledgerFixture();
  t.teardown(() => f.close());
  const { LedgerCheckpointer } = await import('../../src/ledger/ledger-checkpointer');
  const periodic = new LedgerCheckpointer(f.store, f.ledgerKey, f.clock, { intervalMs: 20 });
  await f.store.append(streamName('thing', 'p'), someEvents(2));
  periodic.start();
  await new Promise((r) => setTimeout(r, 150));
  await periodic.stop();
  t.is((await f.store.readStream(LEDGER_CHECKPOINT_STREAM)).length, 1);
});

test('a checkpoint knows its own leaf index when other writers append right after it', async (t) => {
  const f = ledgerFixture();
  t.teardown(() => f.close());
  await populate(f, 1);
  const { LedgerCheckpointer } = await import('../../src/ledger/ledger-checkpointer');
  // Another writer appends as soon as the checkpoint is in: the latest event is then not the checkpoint.
  const busy = new Proxy(f.store, {
    get(target, name, receiver) {
      if (name !== 'append') return Reflect.get(target, name, receiver) as unknown;
      return async (...args: Parameters<typeof target.append>) => {
        const result = await target.append(...args);
        if (args[0] === LEDGER_CHECKPOINT_STREAM) await target.append(streamName('thing', 'later'), someEvents(3));
        return result;
      };
    },
  });
  const checkpointer = new LedgerCheckpointer(busy, f.ledgerKey, f.clock);
  const cp = await checkpointer.checkpointNow();
  t.true(cp.created);
  const all = await f.store.readAll();
  t.is(String(all[cp.index]?.id), cp.eventId);
  t.is(cp.index, all.length - 4);
});
