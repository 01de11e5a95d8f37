import { resolve } from 'node:path';
import { z } from 'zod';

export type EventStoreConfig =
  | { readonly kind: 'sqlite'; readonly file: string }
  | { readonly kind: 'esdb'; readonly connectionString: string };

export interface Config {
  readonly dataDir: string;
  readonly eventStore: EventStoreConfig;
  readonly readModelFile: string;
  readonly http: { readonly host: string; readonly port: number; readonly bodyLimit: string };
  /** No authentication exists yet: the service then serves loopback only. */
  readonly auth: { readonly mode: 'none' };
  readonly logLevel: 'error' | 'warn' | 'info' | 'debug';
  /** /readyz fails when a projection is further than this many events behind the head. */
  readonly readinessMaxLag: number;
  /** `ATTESTOR_TLOGS`: the transparency logs as JSON (see src/attestations/transparency-logs.config.ts); null: the embedded local log. */
  readonly transparencyLogs: string | null;
  readonly submissions: {
    /** How long `POST /api/v1/rekor/entries` waits for the entry before answering 202. */
    readonly waitMs: number;
    /** Run the submission worker in this process (`attestor worker` runs it alone). */
    readonly worker: boolean;
    readonly retry: { readonly maxAttempts: number; readonly baseDelayMs: number; readonly maxDelayMs: number };
  };
}

const Env = z.object({
  ATTESTOR_DATA_DIR: z.string().min(1).default('./data'),
  ATTESTOR_EVENT_STORE: z
    .string()
    .refine((s) => s.startsWith('esdb://') || s.startsWith('esdb+discover://') || s.startsWith('sqlite:'), {
      message: 'must be an esdb:// connection string or sqlite:<file>',
    })
    .optional(),
  ATTESTOR_HOST: z.string().min(1).default('127.0.0.1'),
  ATTESTOR_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  ATTESTOR_BODY_LIMIT: z.string().regex(/^\d+(kb|mb)$/i, 'a size such as 1mb').default('1mb'),
  ATTESTOR_LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  ATTESTOR_READINESS_MAX_LAG: z.coerce.number().int().min(0).default(10_000),
  ATTESTOR_TLOGS: z.string().optional(),
  ATTESTOR_SUBMIT_WAIT_MS: z.coerce.number().int().min(0).max(120_000).default(5_000),
  ATTESTOR_WORKER: z.enum(['on', 'off']).default('on'),
  ATTESTOR_RETRY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10_000).default(30),
  ATTESTOR_RETRY_BASE_MS: z.coerce.number().int().min(1).default(500),
  ATTESTOR_RETRY_MAX_MS: z.coerce.number().int().min(1).default(60_000),
});

export class ConfigError extends Error {}

/**
 * Configuration from the environment, with every default chosen so that
 * `attestor serve` with nothing set runs on the embedded store under ./data,
 * bound to loopback.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Record<keyof z.infer<typeof Env>, string>> = {}): Config {
  const parsed = Env.safeParse({ ...pickDefined(env), ...pickDefined(overrides) });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  const dataDir = resolve(e.ATTESTOR_DATA_DIR);
  const store = e.ATTESTOR_EVENT_STORE;
  const eventStore: EventStoreConfig =
    store === undefined
      ? { kind: 'sqlite', file: resolve(dataDir, 'events.sqlite') }
      : store.startsWith('sqlite:')
        ? { kind: 'sqlite', file: resolve(store.slice('sqlite:'.length)) }
        : { kind: 'esdb', connectionString: store };
  return {
    dataDir,
    eventStore,
    readModelFile: resolve(dataDir, 'read-models.sqlite'),
    http: { host: e.ATTESTOR_HOST, port: e.ATTESTOR_PORT, bodyLimit: e.ATTESTOR_BODY_LIMIT },
    auth: { mode: 'none' },
    logLevel: e.ATTESTOR_LOG_LEVEL,
    readinessMaxLag: e.ATTESTOR_READINESS_MAX_LAG,
    transparencyLogs: e.ATTESTOR_TLOGS ?? null,
    submissions: {
      waitMs: e.ATTESTOR_SUBMIT_WAIT_MS,
      worker: e.ATTESTOR_WORKER === 'on',
      retry: { maxAttempts: e.ATTESTOR_RETRY_MAX_ATTEMPTS, baseDelayMs: e.ATTESTOR_RETRY_BASE_MS, maxDelayMs: e.ATTESTOR_RETRY_MAX_MS },
    },
  };
}

function pickDefined(o: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).filter((kv): kv is [string, string] => kv[1] !== undefined && kv[1] !== ''));
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** Is `host` a loopback address to bind to? Without authentication every server binds nothing else. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host);
}

/** With no authentication configured, binding beyond loopback would expose an open ledger: refuse it. */
export function assertSafeBinding(config: Config): void {
  if (config.auth.mode === 'none' && !isLoopbackHost(config.http.host)) {
    throw new ConfigError(
      `refusing to listen on ${config.http.host} without authentication: bind to 127.0.0.1 (ATTESTOR_HOST=127.0.0.1) or configure authentication first`,
    );
  }
}
