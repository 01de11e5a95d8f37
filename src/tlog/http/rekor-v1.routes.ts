import { Router, type Request, type Response } from 'express';
import { sign } from 'node:crypto';
import { acceptDsseV001 } from '../../../domain/tlog/entry-body';
import { parseDsseV001Request } from '../../../domain/tlog/entry-request';
import { setPayloadBytes } from '../../../domain/transparency/rekor-set';
import { NotFoundError, UnsupportedMediaTypeError, ValidationError } from '../../errors/app-error';
import { sendProblem } from '../../http/problem';
import type { StoredCheckpoint, StoredLeaf } from '../../ports/tlog-store';
import type { LocalLog } from '../local-log';

/** A Rekor v1 LogEntry value (sigstore/rekor openapi.yaml), keyed by UUID in responses. */
export function rekorV1Entry(log: LocalLog, leaf: StoredLeaf, proven: { checkpoint: StoredCheckpoint; proof: Buffer[] } = log.proveInclusion(leaf.index)): Record<string, unknown> {
  const { checkpoint, proof } = proven;
  const body = leaf.body.toString('base64');
  const logID = log.identity.logId.toString('hex');
  const set = sign('sha256', setPayloadBytes({ body, integratedTime: leaf.integratedTime, logID, logIndex: leaf.index }), log.identity.setKey!);
  return {
    body,
    integratedTime: leaf.integratedTime,
    logID,
    logIndex: leaf.index,
    verification: {
      signedEntryTimestamp: set.toString('base64'),
      inclusionProof: {
        logIndex: leaf.index,
        rootHash: checkpoint.root.toString('hex'),
        treeSize: checkpoint.size,
        hashes: proof.map((h) => h.toString('hex')),
        checkpoint: checkpoint.note,
      },
    },
  };
}

const UUID = /^[0-9a-f]{64}$/;
const ENTRY_ID = /^[0-9a-f]{16}[0-9a-f]{64}$/;

function nonNegativeInt(value: unknown, name: string): number {
  if (typeof value !== 'string' || !/^(0|[1-9][0-9]{0,15})$/.test(value)) {
    throw new ValidationError(`${name} must be a non-negative integer`, {}, 'invalid_parameter');
  }
  return Number(value);
}

/**
 * The Rekor v1 API subset Attestor's client uses: dsse entries, entries by
 * UUID/entry ID/index, log info, consistency proofs, the public key. Errors
 * are problem documents that also carry Rekor's `message` field.
 */
export function rekorV1Routes(log: LocalLog): Router {
  const router = Router();
  const treeHex = (log.identity as { treeId?: bigint }).treeId?.toString(16).padStart(16, '0') ?? '0'.repeat(16);
  const location = (uuid: string): string => `/api/v1/log/entries/${treeHex}${uuid}`;

  router.post('/api/v1/log/entries', async (req: Request, res: Response) => {
    if (!req.is('application/json')) throw new UnsupportedMediaTypeError('send the proposed entry as application/json');
    const parsed = parseDsseV001Request(req.body);
    if (!parsed.ok) throw new ValidationError(parsed.reason, { message: parsed.reason }, 'invalid_entry');
    const accepted = acceptDsseV001(parsed.value);
    if (!accepted.ok) throw new ValidationError(accepted.reason, { message: accepted.reason }, 'invalid_entry');
    const result = await log.submit(accepted.entry);
    res.setHeader('Location', location(result.leaf.uuid));
    res.setHeader('ETag', result.leaf.uuid);
    if (!result.created) {
      const message = `an equivalent entry already exists in the transparency log with UUID ${result.leaf.uuid}`;
      sendProblem(res, { status: 409, code: 'entry_exists', detail: message, extensions: { message } });
      return;
    }
    res.status(201).json({ [result.leaf.uuid]: rekorV1Entry(log, result.leaf, result) });
  });

  router.get('/api/v1/log/entries/:id', (req, res) => {
    const id = String(req.params['id']).toLowerCase();
    if (!UUID.test(id) && !ENTRY_ID.test(id)) throw new ValidationError('entry id must be a 64-hex UUID or an 80-hex entry ID', {}, 'invalid_parameter');
    const uuid = id.slice(-64);
    if (id.length === 80 && id.slice(0, 16) !== treeHex) throw new NotFoundError(`entry ID ${id} names tree ${id.slice(0, 16)}, this log is ${treeHex}`, { message: 'entry not found' }, 'entry_not_found');
    const leaf = log.leafByUuid(uuid);
    if (!leaf) throw new NotFoundError(`no entry with UUID ${uuid}`, { message: 'entry not found' }, 'entry_not_found');
    res.json({ [uuid]: rekorV1Entry(log, leaf) });
  });

  router.get('/api/v1/log/entries', (req, res) => {
    const index = nonNegativeInt(req.query['logIndex'], 'logIndex');
    const leaf = log.leafAt(index);
    if (!leaf) throw new NotFoundError(`no entry at index ${index}`, { message: 'entry not found' }, 'entry_not_found');
    res.json({ [leaf.uuid]: rekorV1Entry(log, leaf) });
  });

  router.get('/api/v1/log', (_req, res) => {
    const cp = log.latestCheckpoint();
    res.json({ rootHash: cp.root.toString('hex'), treeSize: cp.size, signedTreeHead: cp.note, treeID: BigInt(`0x${treeHex}`).toString(), inactiveShards: [] });
  });

  router.get('/api/v1/log/proof', (req, res) => {
    const last = req.query['lastSize'] === undefined ? log.latestCheckpoint().size : nonNegativeInt(req.query['lastSize'], 'lastSize');
    const first = nonNegativeInt(req.query['firstSize'] ?? '1', 'firstSize');
    const size = log.latestCheckpoint().size;
    if (last > size) throw new ValidationError(`lastSize ${last} is beyond the tree size ${size}`, {}, 'invalid_parameter');
    if (first > last) throw new ValidationError(`firstSize ${first} must not exceed lastSize ${last}`, {}, 'invalid_parameter');
    const cp = log.checkpointOfSize(last);
    res.json({ rootHash: (cp?.root ?? log.rootAt(last)).toString('hex'), hashes: log.proveConsistency(first, last).map((h) => h.toString('hex')) });
  });

  router.get('/api/v1/log/publicKey', (_req, res) => {
    res.type('application/x-pem-file').send(log.identity.publicKey.export({ format: 'pem', type: 'spki' }));
  });

  return router;
}
