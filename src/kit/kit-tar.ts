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

/** Extracts a kit into `dir`, refusing anything but plain, relative, unique file paths. */
export async function extractKit(file: string, dir: string): Promise<ExtractedKit> {
  const files: string[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  try {
    await tar.extract({
      file,
      cwd: dir,
      strict: true,
      preservePaths: false,
      filter: (p, entry) => {
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
      onwarn: (code, message) => problems.push(`archive: ${code} ${message}`),
    });
  } catch (error) {
    problems.push(`archive cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { files, problems };
}
