import * as fs from 'node:fs';
import * as path from 'node:path';
import { sha256Hex } from '../../domain/shared/sha256';
import type { ObjectStore, PutResult } from '../../src/ports/object-store';
import { writeFileDurably } from '../fs/durable-file';
import { requireDigest, verified } from './content-address';

/**
 * Content-addressed archive on a local filesystem: `<root>/sha256/ab/cd/<digest>`.
 * Objects are written to a temporary file, fsynced and renamed into place (and
 * the directory fsynced), so a reader never sees a partial object and a crash
 * never loses an acknowledged one; files are made read-only.
 */
export class FilesystemObjectStore implements ObjectStore {
  constructor(private readonly root: string) {}

  /**
   * A put of bytes another put is writing waits for it: answering "already
   * there" as soon as the file is renamed into place, before its directory is
   * flushed, would let the caller record an object that may not be durable.
   */
  put(bytes: Uint8Array): Promise<PutResult> {
    const digest = sha256Hex(bytes);
    const pending = this.writing.get(digest);
    if (pending !== undefined) return pending.then(() => ({ digest, created: false }), () => this.put(bytes));
    const put = this.putNew(digest, bytes).finally(() => this.writing.delete(digest));
    this.writing.set(digest, put);
    return put;
  }

  private readonly writing = new Map<string, Promise<PutResult>>();

  private async putNew(digest: string, bytes: Uint8Array): Promise<PutResult> {
    const file = this.pathOf(digest);
    if (await exists(file)) return { digest, created: false };
    const dir = path.dirname(file);
    if (!this.knownDirs.has(dir)) {
      await fs.promises.mkdir(dir, { recursive: true });
      this.rememberDir(dir);
    }
    try {
      await writeFileDurably(file, bytes, 0o444);
    } catch (error) {
      // A remembered directory that someone removed since: make it again, once.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.knownDirs.delete(dir);
      await fs.promises.mkdir(dir, { recursive: true });
      await writeFileDurably(file, bytes, 0o444);
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

