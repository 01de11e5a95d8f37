import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { DsseEnvelope } from '../../../domain/signing/dsse-envelope';
import { IN_TOTO_PAYLOAD_TYPE } from '../../../domain/signing/in-toto-statement';
import { submissionStatus } from '../../../domain/attestations/submission.state';
import { parseBundle } from '../../../domain/transparency/bundle';
import { ENTRY_CACHE, entryKey, entryPrefix, envelopePrefix, subjectPrefix } from '../../../projections/entry-cache/entry-cache.projection';
import type { EntryRef, EntryView } from '../../../projections/entry-cache/entry-view';
import type { SubmissionView } from '../../../projections/submissions/submission-view';
import { SUBMISSIONS, submissionKey } from '../../../projections/submissions/submissions.projection';
import { entryBundleJson } from '../../attestations/entry-bundle';
import type { SubmissionWorker, WaitOutcome } from '../../attestations/submission-worker';
import type { SubmissionService } from '../../attestations/submission.service';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../../errors/app-error';
import type { Logger } from '../../observability/logger';
import type { ObjectStore } from '../../ports/object-store';
import type { ReadModelStore } from '../../ports/read-model-store';
import type { SigningService } from '../../signing/signing.service';
import { contextOf, parse, payloadToSign } from '../request-input';

const Envelope = z.object({ payload: z.string(), payloadType: z.string(), signatures: z.array(z.object({ keyid: z.string().optional(), sig: z.string() })) });

const SubmitBody = z
  .strictObject({
    /** A DSSE envelope signed elsewhere (or by this service). */
    envelope: Envelope.optional(),
    /** Or the digest of an envelope already in the archive. */
    envelopeDigest: z.string().regex(/^[0-9a-f]{64}$/, 'a hex SHA-256 digest').optional(),
    /** Or sign with one of our keys, then submit. */
    sign: z
      .strictObject({
        keyId: z.string().min(1),
        payloadType: z.string().optional(),
        payload: z.string().optional(),
        statement: z.record(z.string(), z.unknown()).optional(),
      })
      .refine((s) => (s.payload === undefined) !== (s.statement === undefined), 'give payload (base64, with payloadType) or statement')
      .optional(),
    /** PEM public key or certificate of the signer, when its key is not registered here. */
    verifier: z.string().min(1).optional(),
  })
  .refine((b) => [b.envelope, b.envelopeDigest, b.sign].filter((x) => x !== undefined).length === 1, 'give exactly one of envelope, envelopeDigest, sign')
  // With `sign` the signer is our own registered key: a verifier could only contradict it, after the signing was recorded.
  .refine((b) => b.sign === undefined || b.verifier === undefined, 'verifier cannot be given with sign: the signer is the registered key');

type SubmitInput = z.infer<typeof SubmitBody>;

const MAX_BATCH = 100;
// Schemas are built once: zod compiles a schema when it is first used, per instance.
const SubmitBatchBody = z.strictObject({ entries: z.array(z.unknown()).min(1).max(MAX_BATCH, `at most ${MAX_BATCH} entries per batch`) });
const RequeueBody = z.strictObject({ log: z.string().min(1), reason: z.string().min(1).max(1000) });

export interface AttestationRoutesDeps {
  readonly submissions: SubmissionService;
  readonly worker: SubmissionWorker;
  readonly signing: SigningService;
  readonly archive: ObjectStore;
  readonly readModels: ReadModelStore;
  readonly waitMs: number;
  readonly trustedRoot: () => Record<string, unknown>;
  readonly logger: Logger;
}

/**
 * The pipeline's API: submit an envelope to the transparency logs (201 with
 * the entry once logged, 202 with the pending submission otherwise), read
 * the entry cache, and follow a submission.
 */
export function attestationRoutes(deps: AttestationRoutesDeps): Router {
  const router = Router();

  async function submitOne(body: SubmitInput, req: Request, res: Response, waitMs: number): Promise<{ status: number; body: Record<string, unknown> }> {
    const ctx = contextOf(req, res);
    let submitted: Awaited<ReturnType<SubmissionService['submit']>>;
    if (body.sign !== undefined) {
      const s = body.sign;
      const payload = s.statement !== undefined ? Buffer.from(JSON.stringify(s.statement)) : signPayload(s.payload ?? '');
      const payloadType = s.statement !== undefined ? (s.payloadType ?? IN_TOTO_PAYLOAD_TYPE) : (s.payloadType ?? '');
      const signed = await deps.signing.sign({ keyIds: [s.keyId], payloadType, payload }, ctx);
      submitted = await deps.submissions.submitSigned(signed.envelope, signed.envelopeDigest, signed.signerPublicKeyPem, ctx);
    } else {
      let envelope: unknown = body.envelope;
      if (body.envelopeDigest !== undefined) {
        const bytes = await deps.archive.get(body.envelopeDigest);
        if (!bytes) throw new NotFoundError(`no envelope with digest ${body.envelopeDigest} is archived`, {}, 'envelope_not_found');
        envelope = JSON.parse(bytes.toString('utf8'));
      }
      submitted = await deps.submissions.submit(envelope, body.verifier, ctx);
    }
    deps.worker.poke(submitted.submissionId);
    const location = `/api/v1/submissions/${submitted.submissionId}`;
    const outcome: WaitOutcome = waitMs > 0 ? await deps.worker.waitUntilLogged(submitted.submissionId, waitMs) : { status: 'timeout' };
    if (outcome.status === 'failed') {
      const record = outcome.record;
      const reasons = Object.entries(record.logs).flatMap(([log, p]) => (p.status === 'abandoned' ? [`${log}: ${p.reason}`] : []));
      throw new ConflictError(
        `submission ${submitted.submissionId} failed (${reasons.join('; ')}); fix the log and requeue it with POST ${location}/requeue`,
        { submissionId: submitted.submissionId, location },
        'submission_failed',
      );
    }
    if (outcome.status === 'timeout') {
      return { status: 202, body: { submissionId: submitted.submissionId, envelopeDigest: submitted.envelopeDigest, status: 'pending', attestationPending: true, location } };
    }
    const record = outcome.record;
    const entries = record.request.logs.flatMap((l) => {
      const p = record.logs[l.name];
      return p?.status === 'logged' ? [p.entry] : [];
    });
    const primary = entries[0]!;
    const bundle = bundleJson(submitted.envelope, primary.tlogEntry);
    return {
      status: 201,
      body: {
        submissionId: submitted.submissionId,
        envelopeDigest: submitted.envelopeDigest,
        attestationPending: false,
        log: primary.log,
        uuid: primary.uuid,
        logIndex: primary.logIndex,
        integratedTime: primary.integratedTime,
        inclusionProof: primary.inclusionProof,
        checkpoint: primary.checkpoint,
        bundle,
        entries: entries.map((e) => ({ log: e.log, uuid: e.uuid, logIndex: e.logIndex })),
        location,
      },
    };
  }

  router.post('/api/v1/rekor/entries', async (req, res) => {
    const body = parse(SubmitBody, req.body);
    const result = await submitOne(body, req, res, waitBudget(req, deps.waitMs));
    res.status(result.status).location(String(result.body['location'])).json(result.body);
  });

  router.post('/api/v1/rekor/entries\\:batch', async (req, res) => {
    const batch = parse(SubmitBatchBody, req.body);
    const waitMs = waitBudget(req, deps.waitMs);
    // Every item gets its own answer: one item's failure never hides what the others wrote.
    const results = await Promise.all(
      batch.entries.map(async (item, index) => {
        try {
          return { index, ...(await submitOne(parse(SubmitBody, item), req, res, waitMs)) };
        } catch (error) {
          if (error instanceof AppError) return { index, status: error.status, body: { code: error.code, detail: error.message } };
          deps.logger.error('batch item failed', { requestId: res.locals['requestId'] as string | undefined, index, error: error instanceof Error ? error.stack : String(error) });
          return { index, status: 500, body: { code: 'internal_error', detail: 'an unexpected error occurred for this item; it has been logged with this request id' } };
        }
      }),
    );
    res.status(200).json({ results });
  });

  router.get('/api/v1/entries/:uuid', (req, res) => {
    const uuid = String(req.params['uuid']).toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(uuid)) throw new ValidationError('uuid must be 64 hex characters (the entry UUID)', {}, 'invalid_parameter');
    // The same entry may sit in several logs of one kind: answer the first, name the others.
    const found = deps.readModels.listDocuments<EntryView>(ENTRY_CACHE, { prefix: entryPrefix(uuid), limit: 16 });
    const first = found[0];
    if (!first) throw new NotFoundError(`no logged entry with UUID ${uuid}`, {}, 'entry_not_found');
    res.json({ ...entryBody(first.doc), alsoIn: found.slice(1).map((f) => ({ log: f.doc.log, logIndex: f.doc.logIndex })) });
  });

  router.get('/api/v1/entries', (req, res) => {
    const envelopeDigest = req.query['envelopeDigest'];
    const subject = req.query['subject'];
    if ((envelopeDigest === undefined) === (subject === undefined)) {
      throw new ValidationError('give exactly one query: envelopeDigest=<hex sha256> or subject=sha256:<hex>', {}, 'invalid_parameter');
    }
    let prefix: string;
    if (envelopeDigest !== undefined) {
      if (typeof envelopeDigest !== 'string' || !/^[0-9a-f]{64}$/.test(envelopeDigest)) throw new ValidationError('envelopeDigest must be a hex SHA-256 digest', {}, 'invalid_parameter');
      prefix = envelopePrefix(envelopeDigest);
    } else {
      const m = typeof subject === 'string' ? /^sha256:([0-9a-f]{64})$/.exec(subject) : null;
      if (!m) throw new ValidationError('subject must be sha256:<64 hex>', {}, 'invalid_parameter');
      prefix = subjectPrefix(m[1]!);
    }
    const refs = deps.readModels.listDocuments<EntryRef>(ENTRY_CACHE, { prefix, limit: 1000 });
    const entries = refs.flatMap(({ doc }) => {
      const e = deps.readModels.getDocument<EntryView>(ENTRY_CACHE, entryKey(doc.uuid, doc.log));
      return e ? [entryBody(e)] : [];
    });
    res.json({ entries });
  });

  router.get('/api/v1/submissions/:id', async (req, res) => {
    const id = String(req.params['id']);
    if (!/^[0-9a-f]{64}$/.test(id)) throw new ValidationError('submission id must be 64 hex characters', {}, 'invalid_parameter');
    const view = deps.readModels.getDocument<SubmissionView>(SUBMISSIONS, submissionKey(id));
    if (view) {
      res.json(view);
      return;
    }
    // Not projected yet (or the read model lags): answer from the stream itself.
    const record = await deps.submissions.load(id);
    res.json({ submissionId: id, envelopeDigest: record.request.envelopeDigest, status: submissionStatus(record), logs: record.logs, requestedAt: record.request.requestedAt });
  });

  router.post('/api/v1/submissions/:id/requeue', async (req, res) => {
    const body = parse(RequeueBody, req.body);
    await deps.submissions.requeue(String(req.params['id']), body.log, body.reason, contextOf(req, res));
    deps.worker.poke(String(req.params['id']));
    res.status(202).json({ submissionId: req.params['id'], log: body.log, status: 'pending' });
  });

  router.get('/api/v1/trusted-root', (_req, res) => {
    res.json(deps.trustedRoot());
  });

  return router;
}

/** `sign.payload`, checked before anything is signed: it must be DSSE base64, and not empty, which no log takes. */
function signPayload(text: string): Buffer {
  const payload = payloadToSign(text, 'sign.payload');
  if (payload.length === 0) throw new ValidationError('sign.payload is empty: a transparency log takes no envelope with an empty payload', { field: 'sign.payload' }, 'invalid_request_body');
  return payload;
}

function waitBudget(req: Request, max: number): number {
  const asked = req.query['wait'];
  if (asked === undefined) return max;
  const ms = typeof asked === 'string' && /^\d{1,6}$/.test(asked) ? Number(asked) : NaN;
  if (Number.isNaN(ms)) throw new ValidationError('wait must be a number of milliseconds', {}, 'invalid_parameter');
  return Math.min(ms, max);
}

/** `{uuid, index, proof}` and what it was found by. */
function entryBody(e: EntryView): Record<string, unknown> {
  return {
    uuid: e.uuid,
    logIndex: e.logIndex,
    log: e.log,
    inclusionProof: e.inclusionProof,
    checkpoint: e.checkpoint,
    integratedTime: e.integratedTime,
    set: e.set,
    envelopeDigest: e.envelopeDigest,
    subjects: e.subjects,
    submissionId: e.submissionId,
    loggedAt: e.loggedAt,
  };
}

/** A v0.3 bundle (proto-JSON) for the envelope and its logged entry, checked by our own parser. */
function bundleJson(envelope: DsseEnvelope, tlogEntry: Readonly<Record<string, unknown>>): Record<string, unknown> | null {
  const json = entryBundleJson(envelope, tlogEntry);
  return parseBundle(json).ok ? json : null;
}
