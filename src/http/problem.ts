import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { AppError, UnavailableError, UnsupportedEventVersionError } from '../errors/app-error';
import type { Logger } from '../observability/logger';

/** RFC 9457 problem details; `code` is stable, `detail` says what to fix. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly instance?: string;
  readonly [extension: string]: unknown;
}

export interface ProblemInput {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly instance?: string | undefined;
  readonly extensions?: Readonly<Record<string, unknown>>;
}

export function sendProblem(res: Response, p: ProblemInput): void {
  res.status(p.status).type('application/problem+json').send(JSON.stringify(problemOf(p)));
}

/** The problem document of `p` (also written straight to a socket, for requests Node refuses). */
export function problemOf(p: ProblemInput): Problem {
  return {
    ...p.extensions,
    type: `urn:attestor:problem:${p.code}`,
    title: titleOf(p.status),
    status: p.status,
    code: p.code,
    detail: p.detail,
    ...(p.instance ? { instance: p.instance } : {}),
  };
}

/** The RFC 9110 reason phrase of a status, for the problem's `title`. */
export function titleOf(status: number): string {
  const titles: Record<number, string> = {
    400: 'Bad Request',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
    409: 'Conflict',
    413: 'Content Too Large',
    415: 'Unsupported Media Type',
    422: 'Unprocessable Content',
    431: 'Request Header Fields Too Large',
    500: 'Internal Server Error',
    503: 'Service Unavailable',
  };
  return titles[status] ?? 'Error';
}

export const notFound: RequestHandler = (req, res) => {
  sendProblem(res, {
    status: 404,
    code: 'route_not_found',
    detail: `no route ${req.method} ${req.path}; see docs/api/openapi.yaml for the API`,
    instance: res.locals['requestId'] as string | undefined,
  });
};

/** body-parser's error types, mapped to what the client must change. */
const BODY_ERRORS: Record<string, { status: number; code: string; detail: (e: { limit?: number; body?: unknown }) => string }> = {
  'entity.parse.failed': { status: 400, code: 'malformed_json', detail: (e) => (isBareJsonValue(e.body) ? 'the request body must be a JSON object, not a bare value' : 'the request body is not valid JSON') },
  'entity.too.large': {
    status: 413,
    code: 'payload_too_large',
    detail: (e) => `the request body is larger than the limit of ${e.limit ?? '?'} bytes`,
  },
  'encoding.unsupported': { status: 415, code: 'unsupported_encoding', detail: () => 'use identity, gzip or deflate content encoding' },
  'charset.unsupported': { status: 415, code: 'unsupported_charset', detail: () => 'send the body as UTF-8' },
  'request.aborted': { status: 400, code: 'request_aborted', detail: () => 'the request body was cut off' },
  'request.size.invalid': { status: 400, code: 'request_size_invalid', detail: () => 'Content-Length does not match the body' },
};

/** The JSON parser refuses bare values (`null`, `"x"`, `1`) the same way as broken JSON: tell them apart. */
function isBareJsonValue(body: unknown): boolean {
  if (typeof body !== 'string') return false;
  try {
    JSON.parse(body);
    return true;
  } catch {
    return false;
  }
}

/** The one place errors become responses: never a stack trace, and a 500 only for our own bugs. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const instance = res.locals['requestId'] as string | undefined;
    const bodyError = typeof err === 'object' && err !== null && 'type' in err ? BODY_ERRORS[String(err.type)] : undefined;
    if (bodyError) {
      sendProblem(res, { status: bodyError.status, code: bodyError.code, detail: bodyError.detail(err as { limit?: number; body?: unknown }), instance });
      return;
    }
    // Errors the HTTP stack raises for the client's mistakes (malformed %-encoding in a
    // path, an undecodable Content-Encoding, …) carry a 4xx status of their own.
    const clientStatus = typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number' ? err.status : 0;
    if (!(err instanceof AppError) && clientStatus >= 400 && clientStatus < 500) {
      const message = err instanceof Error ? err.message : 'bad request';
      const uri = err instanceof URIError || /URI/.test(message);
      sendProblem(res, {
        status: clientStatus,
        code: uri ? 'invalid_path_encoding' : 'bad_request',
        detail: uri ? 'the path has malformed percent-encoding' : message,
        instance,
      });
      return;
    }
    if (err instanceof URIError) {
      sendProblem(res, { status: 400, code: 'invalid_path_encoding', detail: 'the path has malformed percent-encoding', instance });
      return;
    }
    if (err instanceof AppError) {
      if (err instanceof UnavailableError) res.setHeader('Retry-After', String(err.retryAfterSeconds));
      // The store holds events newer than this build: an operator must act (upgrade), so it is an error, not a dependency blip.
      if (err instanceof UnsupportedEventVersionError) logger.error('stored event this build cannot read', { requestId: instance, code: err.code, error: err.message });
      else if (err.status >= 500) logger.warn('dependency unavailable', { requestId: instance, code: err.code, error: err.message });
      sendProblem(res, { status: err.status, code: err.code, detail: err.message, instance, extensions: err.details });
      return;
    }
    logger.error('unhandled error', { requestId: instance, method: req.method, path: req.path, error: err instanceof Error ? err.stack : String(err) });
    sendProblem(res, {
      status: 500,
      code: 'internal_error',
      detail: 'an unexpected error occurred; it has been logged with this request id',
      instance,
    });
  };
}
