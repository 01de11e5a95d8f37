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

/** Who asks (the `X-Actor` header until authentication exists) and the request id as correlation id. */
export function contextOf(req: Request, res: Response): CommandContext {
  const requestId: unknown = res.locals['requestId'];
  return {
    actor: req.header('x-actor') ?? 'anonymous',
    ...(typeof requestId === 'string' ? { correlationId: requestId } : {}),
  };
}
