import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { KIT_MTIME } from './kit-format';

/**
 * Deterministic tar: regular files only, in byte order of their paths, mode
 * 0644, a fixed mtime, no owner, group, device or time fields other than mtime
 * (`portable`). The same files always give the same bytes.
 */
function packStream(dir: string, files: readonly string[]): AsyncIterable<Buffer> {
  return tar.create({ cwd: dir, portable: true, mtime: KIT_MTIME, noDirRecurse: true, strict: true }, sortPaths(files));
}

export function sortPaths(files: readonly string[]): string[] {
  return [...files].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/** Sets the mode every kit file is packed with, whatever the process umask. */
export async function normaliseModes(dir: string, files: readonly string[]): Promise<void> {
  for (const f of files) await fs.chmod(path.join(dir, f), 0o644);
}

export async function packKit(dir: string, files: readonly string[], out: string): Promise<void> {
  await normaliseModes(dir, files);
  const tmp = `${out}.partial-${process.pid}`;
  await pipeline(packStream(dir, files), (await fs.open(tmp, 'w', 0o644)).createWriteStream());
  await fs.rename(tmp, out);
}

/** SHA-256 of the canonical packing of `files` (to compare a kit with the archive its contents would make). */
export async function canonicalDigest(dir: string, files: readonly string[]): Promise<string> {
  await normaliseModes(dir, files);
  const hash = createHash('sha256');
  await pipeline(packStream(dir, files), hash);
  return hash.digest('hex');
}

export async function fileDigest(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    size += chunk.length;
    hash.update(chunk);
  }
  return { sha256: hash.digest('hex'), size };
}

export interface ExtractedKit {
  /** Regular files, in archive order. */
  readonly files: readonly string[];
  /** What is wrong with the archive itself (entries that are not plain files, duplicates, parse warnings). */
  readonly problems: readonly string[];
}

const SAFE_PATH = /^(?:[A-Za-z0-9._-]+\/)*[A-Za-z0-9._-]+$/;

/** The kit cannot be extracted at all: compressed, or its entries claim more bytes than the file holds. Nothing more is written. */
export class KitArchiveError extends Error {}

const COMPRESSED: readonly { readonly name: string; readonly magic: Buffer }[] = [
  { name: 'gzip', magic: Buffer.from([0x1f, 0x8b]) },
  { name: 'bzip2', magic: Buffer.from('BZh', 'latin1') },
  { name: 'xz', magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) },
  { name: 'zstd', magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]) },
];

/** The compression a file's first bytes announce (gzip, bzip2, xz, zstd), or null. */
export async function compressionOf(file: string): Promise<string | null> {
  const handle = await fs.open(file, 'r');
  try {
    const head = Buffer.alloc(8);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const found = COMPRESSED.find((c) => bytesRead >= c.magic.length && head.subarray(0, c.magic.length).equals(c.magic));
    return found?.name ?? null;
  } finally {
    await handle.close();
  }
}

/**
 * Extracts a kit into `dir`, refusing anything but plain, relative, unique file paths.
 *
 * Kits are plain tar: a compressed file (which the tar library would otherwise
 * decompress, to any size) is refused before anything is read. A plain tar
 * cannot hold more content than its own size, so an entry, or all entries
 * together, claiming more is refused from its header, before any of it is
 * written, and extraction stops there. Both throw KitArchiveError.
 */
export async function extractKit(file: string, dir: string): Promise<ExtractedKit> {
  const compression = await compressionOf(file);
  if (compression !== null) {
    throw new KitArchiveError(`${path.basename(file)} is ${compression}-compressed: a kit is a plain tar; decompress it first (after checking where it came from)`);
  }
  const limit = (await fs.stat(file)).size;
  const files: string[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  let total = 0;
  // Set from the filter (a closure): a holder, so that the checks after the await see it.
  const refused: { error: KitArchiveError | null } = { error: null };
  const source = createReadStream(file);
  const unpack = new tar.Unpack({
    cwd: dir,
    strict: true,
    preservePaths: false,
    filter: (p, entry) => {
      if (refused.error !== null) return false;
      const size = 'size' in entry && typeof entry.size === 'number' ? entry.size : 0;
      total += size;
      if (size > limit || total > limit) {
        const error = new KitArchiveError(
          size > limit
            ? `archive entry ${JSON.stringify(p)} claims ${size} bytes, more than the whole kit (${limit} bytes): refused before extracting it`
            : `archive entries claim ${total} bytes in all, more than the whole kit (${limit} bytes): refused at ${JSON.stringify(p)}`,
        );
        refused.error = error;
        source.destroy();
        setImmediate(() => unpack.abort(error));
        return false;
      }
      const type = 'type' in entry ? entry.type : 'File';
      if (type !== 'File' && type !== 'OldFile') {
        problems.push(`archive entry ${JSON.stringify(p)} is a ${String(type)}, not a file`);
        return false;
      }
      if (!SAFE_PATH.test(p) || p.split('/').some((s) => s === '.' || s === '..')) {
        problems.push(`archive entry path ${JSON.stringify(p)} is not a plain relative path`);
        return false;
      }
      if (seen.has(p)) {
        problems.push(`archive holds ${p} twice`);
        return false;
      }
      seen.add(p);
      files.push(p);
      return true;
    },
    onwarn: (code, message) => {
      if (refused.error === null) problems.push(`archive: ${code} ${message}`);
    },
  });
  try {
    await new Promise<void>((resolve, reject) => {
      unpack.on('error', reject);
      unpack.on('close', () => resolve());
      source.on('error', reject);
      source.pipe(unpack);
    });
  } catch (error) {
    if (refused.error !== null) throw refused.error;
    problems.push(`archive cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (refused.error !== null) throw refused.error;
  return { files, problems };
}
