import { Router, type Request, type Response } from 'express';
import { DUPLICATE_INDEX_HEADER } from '../../../domain/tlog/duplicate-entry';
import { acceptHashedRekordV002 } from '../../../domain/tlog/entry-body';
import { parseHashedRekordV002Request } from '../../../domain/tlog/entry-request';
import { parseTilePath, TILE_WIDTH } from '../../../domain/tlog/tile-path';
import { NotFoundError, UnsupportedMediaTypeError, ValidationError } from '../../errors/app-error';
import { sendProblem } from '../../http/problem';
import type { StoredLeaf } from '../../ports/tlog-store';
import type { LocalLog } from '../local-log';

/** A Rekor v2 TransparencyLogEntry in proto-JSON (int64 as strings, bytes as base64). */
export function rekorV2Entry(log: LocalLog, leaf: StoredLeaf, checkpoint = log.proveInclusion(leaf.index)): Record<string, unknown> {
  return {
    logIndex: String(leaf.index),
    logId: { keyId: log.identity.logId.toString('base64') },
    kindVersion: { kind: 'hashedrekord', version: '0.0.2' },
    integratedTime: '0',
    inclusionProof: {
      logIndex: String(leaf.index),
      rootHash: checkpoint.checkpoint.root.toString('base64'),
      treeSize: String(checkpoint.checkpoint.size),
      hashes: checkpoint.proof.map((h) => h.toString('base64')),
      checkpoint: { envelope: checkpoint.checkpoint.note },
    },
    canonicalizedBody: leaf.body.toString('base64'),
  };
}

/**
 * The Rekor v2 write API (hashedrekord only) and the C2SP tlog-tiles read
 * API: `/checkpoint`, `/tile/<L>/<N>[.p/<W>]`, `/tile/entries/<N>[.p/<W>]`.
 */
export function rekorV2Routes(log: LocalLog): Router {
  const router = Router();

  router.post('/api/v2/log/entries', async (req: Request, res: Response) => {
    if (!req.is('application/json')) throw new UnsupportedMediaTypeError('send the entry request as application/json');
    const parsed = parseHashedRekordV002Request(req.body);
    if (!parsed.ok) throw new ValidationError(parsed.reason, { message: parsed.reason }, 'invalid_entry');
    const accepted = acceptHashedRekordV002(parsed.value);
    if (!accepted.ok) throw new ValidationError(accepted.reason, { message: accepted.reason }, 'invalid_entry');
    const result = await log.submit(accepted.entry);
    const entry = rekorV2Entry(log, result.leaf, { checkpoint: result.checkpoint, proof: result.proof });
    if (!result.created) {
      // Rekor v2 answers 409 for a duplicate with the index in `x-log-index`; we also return the
      // existing entry, so a client can record it without reading the tiles.
      const message = `an equivalent entry already exists at index ${result.leaf.index}`;
      res.setHeader(DUPLICATE_INDEX_HEADER, String(result.leaf.index));
      sendProblem(res, { status: 409, code: 'entry_exists', detail: message, extensions: { message, entry } });
      return;
    }
    res.status(201).json(entry);
  });

  router.get('/checkpoint', (_req, res) => {
    res.type('text/plain; charset=utf-8').setHeader('Cache-Control', 'no-cache').send(log.latestCheckpoint().note);
  });

  router.get(/^\/tile\/(.+)$/, (req, res) => {
    const ref = parseTilePath((req.params as Record<string, string>)['0'] ?? '');
    if (!ref) throw new ValidationError('not a tile path: use tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>]', {}, 'invalid_tile_path');
    const size = log.latestCheckpoint().size;
    if (ref.kind === 'entries') {
      const leaves = log.leavesFrom(ref.index * TILE_WIDTH, ref.width).filter((l) => l.index < size);
      if (leaves.length !== ref.width) throw new NotFoundError('no such entry bundle in the published tree', {}, 'tile_not_found');
      const parts = leaves.flatMap((l) => {
        const len = Buffer.alloc(2);
        len.writeUInt16BE(l.body.length);
        return [len, l.body];
      });
      res.type('application/octet-stream').setHeader('Cache-Control', ref.width === TILE_WIDTH ? 'public, max-age=31536000, immutable' : 'no-cache');
      res.send(Buffer.concat(parts));
      return;
    }
    // Level L of a tile holds Merkle nodes at height 8·L; only nodes of the published tree are served.
    const height = ref.level * 8;
    const publishedAtHeight = Math.floor(size / 2 ** height);
    const first = ref.index * TILE_WIDTH;
    if (first + ref.width > publishedAtHeight) throw new NotFoundError('no such tile in the published tree', {}, 'tile_not_found');
    const hashes = log.nodes(height, first, ref.width);
    if (hashes.length !== ref.width) throw new NotFoundError('no such tile in the published tree', {}, 'tile_not_found');
    res.type('application/octet-stream').setHeader('Cache-Control', ref.width === TILE_WIDTH ? 'public, max-age=31536000, immutable' : 'no-cache');
    res.send(Buffer.concat(hashes));
  });

  return router;
}
