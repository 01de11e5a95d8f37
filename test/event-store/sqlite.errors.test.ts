import test from 'ava';
import { join } from 'node:path';
import { SqliteEventStore } from '../../adapters/event-store/sqlite/sqlite.event-store';
import { ConflictError, UnavailableError } from '../../src/errors/app-error';
import { anEvent, aStream } from '../support/events';
import { tempDir } from '../support/temp-dir';


test('an event id already stored in another stream is a 409 duplicate_event_id, and the append writes nothing', async (t) => {
  const store = SqliteEventStore.open(join(tempDir(t), 'events.sqlite'));
  t.teardown(() => store.close());
  const taken = anEvent();
  await store.append(aStream(), [taken]);
  const other = aStream();
  const error = await t.throwsAsync(store.append(other, [anEvent(), taken]), { instanceOf: ConflictError });
  t.is((error).code, 'duplicate_event_id');
  t.deepEqual(await store.readStream(other), []);
});

test('a closed store answers reads and appends with a 503, not a TypeError', async (t) => {
  const store = SqliteEventStore.open(join(tempDir(t), 'events.sqlite'));
  await store.close();
  await t.throwsAsync(store.readStream(aStream()), { instanceOf: UnavailableError });
  await t.throwsAsync(store.readAll(), { instanceOf: UnavailableError });
  await t.throwsAsync(store.ping(), { instanceOf: UnavailableError });
  await t.throwsAsync(store.append(aStream(), [anEvent()]), { instanceOf: UnavailableError });
});
