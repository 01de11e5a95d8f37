import { Router } from 'express';
import { z } from 'zod';
import { VerificationPolicySchema, DEFAULT_POLICY } from '../../../domain/attestations/verification-policy';
import type { AttestationVerifier } from '../../attestations/attestation-verifier';
import { AppError } from '../../errors/app-error';
import type { Logger } from '../../observability/logger';
import { contextOf, parse } from '../request-input';

const VerifyBody = z.strictObject({
  envelope: z.unknown().optional(),
  bundle: z.unknown().optional(),
  verifier: z.string().min(1).optional(),
  policy: VerificationPolicySchema.optional(),
});

const MAX_BATCH = 100;
// Built once: zod compiles a schema when it is first used, per instance.
const VerifyBatchBody = z.strictObject({ items: z.array(z.unknown()).min(1).max(MAX_BATCH, `at most ${MAX_BATCH} items per batch`), policy: VerificationPolicySchema.optional() });

/** POST /api/v1/verify and /api/v1/verify:batch. */
export function verifyRoutes(deps: { verifier: AttestationVerifier; logger: Logger }): Router {
  const router = Router();

  router.post('/api/v1/verify', async (req, res) => {
    const body = parse(VerifyBody, req.body);
    const result = await deps.verifier.verify(body, body.policy ?? DEFAULT_POLICY, contextOf(req, res));
    res.json(result);
  });

  router.post('/api/v1/verify\\:batch', async (req, res) => {
    const batch = parse(VerifyBatchBody, req.body);
    const ctx = contextOf(req, res);
    const results = [];
    for (const [index, item] of batch.items.entries()) {
      try {
        const body = parse(VerifyBody, item);
        results.push({ index, status: 200, result: await deps.verifier.verify(body, body.policy ?? batch.policy ?? DEFAULT_POLICY, ctx) });
      } catch (error) {
        // Every item gets its own answer: earlier items' VerificationPerformed events are already written.
        if (error instanceof AppError) results.push({ index, status: error.status, error: { code: error.code, detail: error.message } });
        else {
          deps.logger.error('batch item failed', { requestId: res.locals['requestId'] as string | undefined, index, error: error instanceof Error ? error.stack : String(error) });
          results.push({ index, status: 500, error: { code: 'internal_error', detail: 'an unexpected error occurred for this item; it has been logged with this request id' } });
        }
      }
    }
    res.json({ results });
  });

  return router;
}
