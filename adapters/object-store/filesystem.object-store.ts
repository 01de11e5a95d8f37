import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
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
    await fs.mkdir(path.dirname(file), { recursive: true });
    const temp = `${file}.${randomUUID()}.tmp`;
    const handle = await fs.open(temp, 'wx', 0o444);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fs.rename(temp, file);
    } catch (error) {
      await fs.rm(temp, { force: true });
      throw error;
    }
    // The rename is durable only once its directory is: the event that names this
    // object is appended after put() returns, and must never outlive the object.
    const dir = await fs.open(path.dirname(file), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
    return { digest, created: true };
  }

  async get(digest: string): Promise<Buffer | null> {
    try {
      return verified(digest, await fs.readFile(this.pathOf(requireDigest(digest))));
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

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
