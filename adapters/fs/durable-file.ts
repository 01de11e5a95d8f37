import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UnavailableError } from '../../src/errors/app-error';

/**
 * Writes `bytes` to `file` so that, once the promise resolves, the file is
 * whole and survives power loss: written to a temporary file beside it and
 * flushed, renamed into place, and the directory flushed (a rename is durable
 * only once its directory is). A reader never sees a partial file; a failed
 * write leaves no temporary file behind. A full, read-only or failing disk is
 * a 503 (`storage_unavailable`); other errors (ENOENT: no directory) pass on.
 *
 * Callback-style calls: the FileHandle promise API cost about twice as much
 * main-thread time per archived envelope (docs/performance.md, pipeline).
 */
export async function writeFileDurably(file: string, bytes: Uint8Array | string, mode: number): Promise<void> {
  const temp = `${file}.${randomUUID()}.tmp`;
  try {
    await call<void>((done) => fs.writeFile(temp, bytes, { flag: 'wx', mode, flush: true }, done));
    await call<void>((done) => fs.rename(temp, file, done));
  } catch (error) {
    await fs.promises.rm(temp, { force: true }).catch(() => undefined);
    throw storageError(error);
  }
  try {
    const fd = await call<number>((done) => fs.open(path.dirname(file), 'r', done));
    try {
      await call<void>((done) => fs.fsync(fd, done));
    } finally {
      await call<void>((done) => fs.close(fd, done));
    }
  } catch (error) {
    throw storageError(error);
  }
}

const UNAVAILABLE = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EIO', 'EMFILE', 'ENFILE']);

function storageError(error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && UNAVAILABLE.has(code)) return new UnavailableError(`the local storage cannot be written now (${code})`, 30, {}, 'storage_unavailable', error);
  return error;
}

/** A callback-style fs call as a promise. */
export function call<T>(start: (done: (error: NodeJS.ErrnoException | null, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => start((error, value) => (error ? reject(error) : resolve(value as T))));
}
