import { readDsseBase64 } from '../../domain/signing/dsse-base64';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { ValidationError } from '../errors/app-error';
import type { CommandContext } from '../signing/command-context';

/** `?limit=` of a paged list: a whole number from 1 to 1000, given once. */
export const LimitParam = z
  .string({ error: 'give limit once' })
  .regex(/^[1-9][0-9]{0,3}$/, 'limit must be a whole number from 1 to 1000')
  .transform(Number)
  .refine((n) => n <= 1000, 'limit must be a whole number from 1 to 1000');

/** `?after=` of a paged list: the last key of the previous page, given once. */
export const afterParam = (maxLength: number) => z.string({ error: 'give after once' }).min(1).max(maxLength);

/** Validates a request body with a zod schema; a failure is a 400 that lists every problem with its path. */
export function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
    throw new ValidationError(`invalid request body: ${problems.join('; ')}`, { problems }, 'invalid_request_body');
  }
  return result.data;
}

const ACTOR = /^[\x21-\x7e][\x20-\x7e]{0,255}$/;

/**
 * Who asks (the `X-Actor` header until authentication exists) and the request
 * id as correlation id. The actor is written into the permanent ledger, so it
 * is checked like every other input: printable, at most 256 characters, and
 * never one of the service's own `system:` actors.
 */
export function contextOf(req: Request, res: Response): CommandContext {
  const requestId: unknown = res.locals['requestId'];
  const actor = req.header('x-actor');
  if (actor !== undefined && (!ACTOR.test(actor) || actor.startsWith('system:'))) {
    throw new ValidationError('X-Actor must be 1–256 printable ASCII characters and must not start with "system:"', {}, 'invalid_actor');
  }
  return {
    actor: actor ?? 'anonymous',
    ...(typeof requestId === 'string' ? { correlationId: requestId } : {}),
  };
}

/** A payload to sign, sent as base64 in `field`: read by the rule every DSSE payload is read by. */
export function payloadToSign(text: string, field: string): Buffer {
  const decoded = readDsseBase64(text);
  if (!decoded.ok) throw new ValidationError(`${field} is not canonical base64: ${decoded.reason}`, { field }, 'invalid_request_body');
  return decoded.bytes;
}
