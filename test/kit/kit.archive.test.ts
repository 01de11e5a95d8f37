import test from 'ava';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar';
import { SqliteEventStore } from '../../adapters/event-store/sqlite/sqlite.event-store';
import { EVENTS_FILE } from '../../src/kit/kit-format';
import { importKit, KitRefusedError } from '../../src/kit/kit-import';
import { extractKit, KitArchiveError } from '../../src/kit/kit-tar';
import { verifyKit } from '../../src/kit/kit-verify';
import { tempDir } from '../support/temp-dir';
import { exportedKit } from './helpers/ledger-fixture';

test('a gzip-compressed kit is refused up front by kit verify and import, naming the compression; nothing is written', async (t) => {
  const { dir, kit } = await exportedKit(t);
  const gz = join(dir, 'kit.tar.gz');
  writeFileSync(gz, gzipSync(readFileSync(kit.file)));

  const report = await verifyKit(gz);
  t.false(report.ok);
  t.regex(report.failures.join('\n'), /kit\.tar\.gz is gzip-compressed: a kit is a plain tar; decompress it first/);

  const out = join(dir, 'x');
  mkdirSync(out);
  await t.throwsAsync(extractKit(gz, out), { instanceOf: KitArchiveError, message: /gzip-compressed/ });
  t.deepEqual(readdirSync(out), []);

  const target = SqliteEventStore.open(join(dir, 'imported.sqlite'));
  t.teardown(() => target.close());
  const refused = await t.throwsAsync(importKit(gz, target, { archive: null }), { instanceOf: KitRefusedError });
  t.regex(refused?.message ?? '', /cannot be read as an archive: kit\.tar\.gz is gzip-compressed/);
  t.is((await target.readAll()).length, 0);
});

test('bzip2, xz and zstd magic bytes are refused too', async (t) => {
  const dir = tempDir(t);
  for (const [name, magic] of [
    ['bzip2', Buffer.from('BZh91AY&SY', 'latin1')],
    ['xz', Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x04])],
    ['zstd', Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x00])],
  ] as const) {
    const file = join(dir, `kit.${name}`);
    writeFileSync(file, Buffer.concat([magic, Buffer.alloc(1024)]));
    await t.throwsAsync(extractKit(file, dir), { instanceOf: KitArchiveError, message: new RegExp(`is ${name}-compressed`) });
  }
});

test('a tar entry whose header claims more bytes than the kit file holds is refused before any of it is written', async (t) => {
  const dir = tempDir(t);
  const claimed = 1536 * 2 ** 20; // 1.5 GiB, in a file of a few KiB
  const header = new tar.Header({ path: EVENTS_FILE, mode: 0o644, size: claimed, mtime: new Date(0), type: 'File' });
  header.encode();
  const file = join(dir, 'huge.tar');
  writeFileSync(file, Buffer.concat([header.block!, Buffer.alloc(4096, 0x61)]));

  const out = join(dir, 'x');
  mkdirSync(out);
  await t.throwsAsync(extractKit(file, out), {
    instanceOf: KitArchiveError,
    message: `archive entry "${EVENTS_FILE}" claims ${claimed} bytes, more than the whole kit (${512 + 4096} bytes): refused before extracting it`,
  });
  t.false(existsSync(join(out, EVENTS_FILE)));

  const report = await verifyKit(file);
  t.false(report.ok);
  t.regex(report.failures.join('\n'), /claims 1610612736 bytes, more than the whole kit/);
});

test('entries that together claim more than the kit file holds are refused at the first one over', async (t) => {
  const dir = tempDir(t);
  // Two headers, each claiming less than the 1536-byte file, together one byte more.
  const first = new tar.Header({ path: 'a', mode: 0o644, size: 512, mtime: new Date(0), type: 'File' });
  const second = new tar.Header({ path: 'b', mode: 0o644, size: 1025, mtime: new Date(0), type: 'File' });
  first.encode();
  second.encode();
  const file = join(dir, 'over.tar');
  writeFileSync(file, Buffer.concat([first.block!, Buffer.alloc(512, 0x61), second.block!]));
  const out = join(dir, 'x');
  mkdirSync(out);
  await t.throwsAsync(extractKit(file, out), { instanceOf: KitArchiveError, message: /archive entries claim 1537 bytes in all, more than the whole kit \(1536 bytes\): refused at "b"/ });
  t.false(existsSync(join(out, 'b')));
});
