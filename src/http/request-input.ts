import type { Request, Response } from 'express';
import type { z } from 'zod';
import { ValidationError } from '../errors/app-error';
import type { CommandContext } from '../signing/command-context';

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
