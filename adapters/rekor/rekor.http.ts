import { NotFoundError, ValidationError } from '../../src/errors/app-error';
import { isRetryableStatus, parseRetryAfter, Resilience, RetryableError, type BreakerPolicy, type RetryPolicy } from './resilience';
import { UnexpectedLogAnswerError, UnverifiableLogResponseError } from './rekor.errors';

/**
 * The raw HTTP layer under the Rekor clients: `fetch` with a timeout that
 * really aborts the request, a cap on response size, retries and the breaker
 * from `Resilience`. It knows statuses, not Rekor: every answer that is not
 * worth retrying is returned as is, for the API layer to interpret.
 */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Buffer;
}

export interface RekorHttpOptions {
  /** Where the log is reached (may differ from its base URL in the trusted root). */
  readonly url: string;
  /** The log's id, for messages. */
  readonly log: string;
  readonly resilience: Resilience;
  /** Default per-attempt timeout. */
  readonly timeoutMs: number;
  readonly maxResponseBytes?: number;
  readonly userAgent?: string;
}

export interface RequestOptions {
  readonly json?: unknown;
  readonly timeoutMs?: number;
  readonly accept?: string;
}

const DEFAULT_MAX_RESPONSE = 8 * 1024 * 1024;

export class RekorHttp {
  private readonly base: URL;

  constructor(private readonly options: RekorHttpOptions) {
    this.base = new URL(options.url.endsWith('/') ? options.url : `${options.url}/`);
  }

  get log(): string {
    return this.options.log;
  }

  /** Resolves `path` (absolute like "/api/v1/log" or a Location header) against the log URL; never leaves its origin. */
  resolve(path: string): URL {
    const url = new URL(path.startsWith('/') ? path.slice(1) : path, this.base);
    if (url.origin !== this.base.origin) throw new UnexpectedLogAnswerError(this.log, 0, `refusing to follow ${url.origin}, which is not the log's origin`);
    return url;
  }

  /** One logical request: retried on retryable failures, through the breaker. */
  request(method: 'GET' | 'POST', path: string, options: RequestOptions = {}): Promise<HttpAnswer> {
    const url = this.resolve(path);
    return this.options.resilience.execute(`${method} ${url.pathname}`, async () => {
      const answer = await this.once(method, url, options);
      if (isRetryableStatus(answer.status)) {
        throw new RetryableError(`HTTP ${answer.status}: ${answerDetail(answer)}`, parseRetryAfter(answer.headers.get('retry-after')));
      }
      return answer;
    });
  }

  private async once(method: 'GET' | 'POST', url: URL, options: RequestOptions): Promise<HttpAnswer> {
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs;
    const headers: Record<string, string> = { Accept: options.accept ?? 'application/json' };
    if (this.options.userAgent) headers['User-Agent'] = this.options.userAgent;
    let body: string | undefined;
    if (options.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const res = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }), signal, redirect: 'manual' });
      return { status: res.status, headers: res.headers, body: await readLimited(res, this.options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE, this.log) };
    } catch (error) {
      if (error instanceof UnexpectedLogAnswerError) throw error;
      if (signal.aborted) throw new RetryableError(`no complete answer within ${timeoutMs} ms`, undefined, { cause: error });
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new RetryableError(`network error: ${cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error))}`, undefined, { cause: error });
    }
  }
}

async function readLimited(res: Response, limit: number, log: string): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    await res.body?.cancel();
    throw new UnexpectedLogAnswerError(log, res.status, `answer of ${declared} bytes is larger than the limit of ${limit}`);
  }
  if (!res.body) return Buffer.alloc(0);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw new UnexpectedLogAnswerError(log, res.status, `answer is larger than the limit of ${limit} bytes`);
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks);
}

/** The JSON of an answer, or undefined. */
export function answerJson(answer: HttpAnswer): unknown {
  try {
    return JSON.parse(answer.body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** The JSON of an answer the client needs: not JSON is an unverifiable response. */
export function requiredJson(log: string, answer: HttpAnswer, what: string): unknown {
  const json = answerJson(answer);
  if (json === undefined) throw new UnverifiableLogResponseError(log, 'format', `${what} is not JSON`);
  return json;
}

/** What the log said went wrong: problem+json `detail`, Rekor's `message`, or the start of the text. */
export function answerDetail(answer: HttpAnswer): string {
  const json = answerJson(answer) as { detail?: unknown; message?: unknown } | undefined;
  if (json && typeof json === 'object') {
    if (typeof json.detail === 'string') return json.detail;
    if (typeof json.message === 'string') return json.message;
  }
  const text = answer.body.toString('utf8').trim();
  return text.length > 0 ? text.slice(0, 300) : '(no detail)';
}

/**
 * The error for an answer the API layer did not expect: the caller's fault
 * (400, 413, 415, 422) → ValidationError with the log's reason; 404 →
 * NotFoundError; anything else → UnexpectedLogAnswerError.
 */
export function unexpectedAnswer(log: string, answer: HttpAnswer, what: string): Error {
  const detail = answerDetail(answer);
  if ([400, 413, 415, 422].includes(answer.status)) {
    return new ValidationError(`transparency log ${log} refused ${what}: ${detail}`, { log, httpStatus: answer.status, logDetail: detail }, 'log_rejected_request');
  }
  if (answer.status === 404) return new NotFoundError(`transparency log ${log} has no ${what}: ${detail}`, { log }, 'log_entry_not_found');
  return new UnexpectedLogAnswerError(log, answer.status, `${what}: ${detail}`);
}

/** The HTTP layer every log client stands on: one breaker and retry policy per log. */
export function resilientHttp(
  id: string,
  options: {
    readonly url: string;
    readonly timeoutMs?: number;
    readonly userAgent?: string;
    readonly retry?: Partial<RetryPolicy>;
    readonly breaker?: Partial<BreakerPolicy>;
    readonly sleep?: (ms: number) => Promise<void>;
    readonly onRetry?: (info: { operation: string; attempt: number; delayMs: number }) => void;
  },
): { http: RekorHttp; resilience: Resilience } {
  const resilience = new Resilience({
    name: `transparency log ${id}`,
    codes: { unavailable: 'transparency_log_unavailable', breakerOpen: 'transparency_log_breaker_open' },
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.breaker ? { breaker: options.breaker } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
  });
  const http = new RekorHttp({
    url: options.url,
    log: id,
    resilience,
    timeoutMs: options.timeoutMs ?? 15_000,
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
  });
  return { http, resilience };
}
