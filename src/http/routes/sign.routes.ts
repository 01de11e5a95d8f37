import { Router } from 'express';
import { z } from 'zod';
import { IN_TOTO_PAYLOAD_TYPE } from '../../../domain/signing/in-toto-statement';
import { NotFoundError } from '../../errors/app-error';
import type { ObjectStore } from '../../ports/object-store';
import type { SigningService } from '../../signing/signing.service';
import type { VerificationService } from '../../signing/verification.service';
import { contextOf, parse, payloadToSign } from '../request-input';

const SignBody = z
  .strictObject({
    keyIds: z.array(z.string()).min(1).optional(),
    keyId: z.string().optional(),
    payloadType: z.string().optional(),
    /** Payload bytes in DSSE base64 (padded standard or URL-safe; dsse-base64.ts). */
    payload: z.string().optional(),
    /** An in-toto Statement v1 as JSON; payloadType is then application/vnd.in-toto+json. */
    statement: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((b) => (b.keyIds === undefined) !== (b.keyId === undefined), { message: 'give keyIds (a list) or keyId, not both' })
  .refine((b) => (b.payload === undefined) !== (b.statement === undefined), { message: 'give payload (base64, with payloadType) or statement, not both' })
  .refine((b) => b.statement !== undefined || b.payloadType !== undefined, { message: 'payloadType is required with payload' });

export interface SignRoutesDeps {
  readonly signing: SigningService;
  readonly verification: VerificationService;
  readonly archive: ObjectStore;
}

/** POST /api/v1/sign, GET /api/v1/envelopes/{digest}, GET /api/v1/envelopes/{digest}/verification. */
export function signRoutes(deps: SignRoutesDeps): Router {
  const router = Router();

  router.post('/api/v1/sign', async (req, res) => {
    const body = parse(SignBody, req.body);
    let payload: Buffer;
    let payloadType: string;
    if (body.statement !== undefined) {
      payload = Buffer.from(JSON.stringify(body.statement), 'utf8');
      payloadType = body.payloadType ?? IN_TOTO_PAYLOAD_TYPE;
    } else {
      payload = payloadToSign(body.payload ?? '', 'payload');
      payloadType = body.payloadType ?? '';
    }
    const keyIds = body.keyIds ?? (body.keyId === undefined ? [] : [body.keyId]);
    const result = await deps.signing.sign({ keyIds, payloadType, payload }, contextOf(req, res));
    res.status(201).location(`/api/v1/envelopes/${result.envelopeDigest}`);
    res.json({
      envelope: result.envelope,
      envelopeDigest: result.envelopeDigest,
      payloadDigest: result.payloadDigest,
      subjects: result.subjects,
      signers: result.signers,
      signedAt: result.signedAt,
    });
  });

  router.get('/api/v1/envelopes/:digest', async (req, res) => {
    const digest = req.params['digest'] ?? '';
    const bytes = await deps.archive.get(digest);
    if (bytes === null) throw new NotFoundError(`no envelope with digest ${digest} is archived`, { digest }, 'envelope_not_found');
    res.setHeader('ETag', `"sha256:${digest}"`);
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    res.type('application/json').send(bytes);
  });

  router.get('/api/v1/envelopes/:digest/verification', async (req, res) => {
    res.json(await deps.verification.verifyStored(req.params['digest'] ?? ''));
  });

  return router;
}
