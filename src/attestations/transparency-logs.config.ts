import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../config/config';

/** One transparency log the service submits to, as configured. */
export interface LogConfig {
  /** Name in events, metrics and the API (`[a-z0-9._-]`). */
  readonly name: string;
  readonly api: 'v1' | 'v2';
  readonly url: string;
  readonly required: boolean;
  /** A Sigstore trusted root (JSON text) that lists the log's key. */
  readonly trustedRoot: string;
  /** Per-request timeout; the default suits Rekor (v2 answers only after a checkpoint). */
  readonly timeoutMs?: number;
  /** How long an open circuit breaker fails fast before trying the log again. */
  readonly breakerResetMs?: number;
}

const LogConfigSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'a lowercase name of letters, digits, . _ -'),
  api: z.enum(['v1', 'v2']),
  url: z.string().url(),
  required: z.boolean().optional(),
  trustedRoot: z.string().min(1, 'path of a trusted_root.json listing the log key'),
  timeoutMs: z.number().int().min(100).max(600_000).optional(),
  breakerResetMs: z.number().int().min(100).max(3_600_000).optional(),
});

/**
 * `ATTESTOR_TLOGS` is a JSON array of `{name, api: "v1"|"v2", url, required?,
 * trustedRoot: path}`; the first log is required unless said otherwise.
 * Unset, the service runs its own local log (returns null).
 */
export function loadLogConfigs(text: string | null): LogConfig[] | null {
  if (!text) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError('ATTESTOR_TLOGS must be a JSON array of {name, api, url, required?, trustedRoot}');
  }
  const parsed = z.array(LogConfigSchema).min(1).safeParse(json);
  if (!parsed.success) {
    throw new ConfigError(`ATTESTOR_TLOGS: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data.map((l, i) => {
    let trustedRoot: string;
    try {
      trustedRoot = readFileSync(l.trustedRoot, 'utf8');
    } catch {
      throw new ConfigError(`ATTESTOR_TLOGS[${i}].trustedRoot: cannot read ${l.trustedRoot}`);
    }
    return {
      name: l.name,
      api: l.api,
      url: l.url,
      required: l.required ?? i === 0,
      trustedRoot,
      ...(l.timeoutMs === undefined ? {} : { timeoutMs: l.timeoutMs }),
      ...(l.breakerResetMs === undefined ? {} : { breakerResetMs: l.breakerResetMs }),
    };
  });
}
