import test, { type ExecutionContext } from 'ava';
import { randomBytes } from 'node:crypto';
import { promises as fs, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import S3rver from 's3rver';
import { FilesystemObjectStore } from '../../adapters/object-store/filesystem.object-store';
import { S3ObjectStore, s3ClientFor } from '../../adapters/object-store/s3.object-store';
import { sha256Hex } from '../../domain/shared/sha256';
import { type AppError } from '../../src/errors/app-error';
import type { ObjectStore } from '../../src/ports/object-store';

interface Subject {
  readonly store: ObjectStore;
  /** Overwrites the stored bytes behind the store's back. */
  readonly corrupt: (digest: string, bytes: Buffer) => Promise<void>;
}

const tempDirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

let s3rver: S3rver | null = null;
let s3Endpoint = '';
let s3Dir = '';

test.before(async () => {
  s3Dir = tempDir('attestor-s3rver-');
  s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: s3Dir, configureBuckets: [{ name: 'attestor' }] });
  const { port } = await s3rver.run();
  s3Endpoint = `http://127.0.0.1:${port}`;
});

test.after.always(async () => {
  await s3rver?.close();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

const implementations: Record<string, () => Subject> = {
  filesystem: () => {
    const root = tempDir('attestor-fs-archive-');
    return {
      store: new FilesystemObjectStore(root),
      corrupt: async (digest, bytes) => {
        const file = path.join(root, 'sha256', digest.slice(0, 2), digest.slice(2, 4), digest);
        await fs.chmod(file, 0o644);
        await fs.writeFile(file, bytes);
      },
    };
  },
  s3: () => {
    const client = s3ClientFor({ endpoint: s3Endpoint, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
    const prefix = `run-${randomBytes(4).toString('hex')}/`;
    const store = new S3ObjectStore({ client, bucket: 'attestor', prefix });
    return {
      store,
      corrupt: async (digest, bytes) => {
        const { PutObjectCommand } = await import('@aws-sdk/client-s3');
        await client.send(new PutObjectCommand({ Bucket: 'attestor', Key: `${prefix}sha256/${digest}`, Body: bytes }));
      },
    };
  },
};

for (const [name, make] of Object.entries(implementations)) {
  const it = (title: string, fn: (t: ExecutionContext, subject: Subject) => Promise<void>) => test(`${name}: ${title}`, (t) => fn(t, make()));

  it('stores bytes under their SHA-256 and reads them back', async (t, { store }) => {
    const bytes = Buffer.from('{"payload":"aGVsbG8="}');
    const result = await store.put(bytes);
    t.deepEqual(result, { digest: sha256Hex(bytes), created: true });
    t.true(await store.has(result.digest));
    t.deepEqual(await store.get(result.digest), bytes);
  });

  it('writing the same bytes again is an idempotent no-op', async (t, { store }) => {
    const bytes = randomBytes(1000);
    await store.put(bytes);
    t.deepEqual(await store.put(bytes), { digest: sha256Hex(bytes), created: false });
    const parallel = await Promise.all([randomBytes(10), randomBytes(10)].flatMap((b) => [store.put(b), store.put(b)]));
    t.is(parallel.length, 4);
  });

  it('an unknown digest reads as null, a malformed digest is a 400', async (t, { store }) => {
    t.is(await store.get('0'.repeat(64)), null);
    t.false(await store.has('0'.repeat(64)));
    t.is((await t.throwsAsync<AppError>(store.get('../../etc/passwd')))?.status, 400);
  });

  it('bytes that no longer match their digest are refused on read', async (t, { store, corrupt }) => {
    const { digest } = await store.put(Buffer.from('original'));
    await corrupt(digest, Buffer.from('tampered'));
    const error = await t.throwsAsync(store.get(digest));
    t.is((error as AppError).code, 'archive_integrity_failure');
  });
}

test('filesystem: a put of bytes another put is writing answers only once that write is durable, and leaves no temporary file', async (t) => {
  const root = tempDir('attestor-fs-inflight-');
  const store = new FilesystemObjectStore(root);
  const bytes = randomBytes(2000);
  const order: string[] = [];
  const first = store.put(bytes).then((r) => (order.push(`first:${r.created}`), r));
  const second = store.put(bytes).then((r) => (order.push(`second:${r.created}`), r));
  await Promise.all([first, second]);
  t.deepEqual(order, ['first:true', 'second:false']);
  const dir = path.join(root, 'sha256', sha256Hex(bytes).slice(0, 2), sha256Hex(bytes).slice(2, 4));
  t.deepEqual(await fs.readdir(dir), [sha256Hex(bytes)]);
});
