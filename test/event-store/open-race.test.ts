import test from 'ava';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from '../support/temp-dir';

const run = promisify(execFile);
const DIST = join(__dirname, '..', '..');

/** Opens (creating and migrating) the store file at a given instant, as `serve` and `worker` do on one new data directory. */
const opener = `
const { SqliteEventStore } = require(${JSON.stringify(join(DIST, 'adapters/event-store/sqlite/sqlite.event-store.js'))});
const [file, at] = process.argv.slice(1);
while (Date.now() < Number(at)) {}
SqliteEventStore.open(file).close().then(() => console.log('opened'));
`;

test('two processes opening one new store file at the same instant both succeed, and the schema is made once', async (t) => {
  for (let round = 0; round < 5; round++) {
    const file = join(tempDir(t), 'events.sqlite');
    const at = String(Date.now() + 400);
    const results = await Promise.all([run(process.execPath, ['-e', opener, file, at]), run(process.execPath, ['-e', opener, file, at])]);
    t.deepEqual(results.map((r) => r.stdout.trim()), ['opened', 'opened'], `round ${round}`);
  }
});
