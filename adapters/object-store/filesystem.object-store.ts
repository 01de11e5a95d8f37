import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sha256Hex } from '../../domain/shared/sha256';
import type { ObjectStore, PutResult } from '../../src/ports/object-store';
import { requireDigest, verified } from './content-address';

/**
 * Content-addressed archive on a local filesystem: `<root>/sha256/ab/cd/<digest>`.
 * Objects are written to a temporary file, fsynced and renamed into place (and
 * the directory fsynced), so a reader never sees a partial object and a crash
 * never loses an acknowledged one; files are made read-only.
 */
export class FilesystemObjectStore implements ObjectStore {
  constructor(private readonly root: string) {}

  async put(bytes: Uint8Array): Promise<PutResult> {
    const digest = sha256Hex(bytes);
    const file = this.pathOf(digest);
    if (await exists(file)) return { digest, created: false };
    const dir = path.dirname(file);
    if (!this.knownDirs.has(dir)) {
      await fs.promises.mkdir(dir, { recursive: true });
      this.rememberDir(dir);
    }
    const temp = `${file}.${randomUUID()}.tmp`;
    // Callback-style calls: the FileHandle promise API cost about twice as much
    // main-thread time per archived envelope (docs/performance.md, pipeline).
    const write = (): Promise<void> => call<void>((done) => fs.writeFile(temp, bytes, { flag: 'wx', mode: 0o444, flush: true }, done));
    try {
      await write();
    } catch (error) {
      // A remembered directory that someone removed since: make it again, once.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.knownDirs.delete(dir);
      await fs.promises.mkdir(dir, { recursive: true });
      await write();
    }
    try {
      await call<void>((done) => fs.rename(temp, file, done));
    } catch (error) {
      await fs.promises.rm(temp, { force: true });
      throw error;
    }
    // The rename is durable only once its directory is: the event that names this
    // object is appended after put() returns, and must never outlive the object.
    const fd = await call<number>((done) => fs.open(dir, 'r', done));
    try {
      await call<void>((done) => fs.fsync(fd, done));
    } finally {
      await call<void>((done) => fs.close(fd, done));
    }
    return { digest, created: true };
  }

  /** Directories known to exist: at most 65,536 (`sha256/ab/cd`), so `mkdir` runs once per directory. */
  private readonly knownDirs = new Set<string>();

  private rememberDir(dir: string): void {
    if (this.knownDirs.size >= 70_000) this.knownDirs.clear();
    this.knownDirs.add(dir);
  }

  async get(digest: string): Promise<Buffer | null> {
    try {
      return verified(digest, await fs.promises.readFile(this.pathOf(requireDigest(digest))));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async has(digest: string): Promise<boolean> {
    return exists(this.pathOf(requireDigest(digest)));
  }

  private pathOf(digest: string): string {
    return path.join(this.root, 'sha256', digest.slice(0, 2), digest.slice(2, 4), digest);
  }
}

function exists(file: string): Promise<boolean> {
  return new Promise((resolve) => fs.access(file, (error) => resolve(error === null)));
}

/** A callback-style fs call as a promise. */
function call<T>(start: (done: (error: NodeJS.ErrnoException | null, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => start((error, value) => (error ? reject(error) : resolve(value as T))));
}
