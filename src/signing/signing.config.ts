import { resolve } from 'node:path';
import { z } from 'zod';
import type { BreakerOptions } from '../../adapters/keys/breaker.key-provider';
import type { Pkcs11ProviderConfig } from '../../adapters/keys/pkcs11.key-provider';

export type ArchiveConfig =
  | { readonly kind: 'filesystem'; readonly root: string }
  | { readonly kind: 's3'; readonly bucket: string; readonly prefix: string; readonly endpoint?: string; readonly region?: string };

export interface SigningConfig {
  /** Directory of the file provider's PEM keys (0700). */
  readonly keysDir: string;
  /** Present when ATTESTOR_PKCS11_MODULE is set. */
  readonly pkcs11?: Pkcs11ProviderConfig;
  /** The KMS provider is enabled with ATTESTOR_KMS=1 (region and credentials from the AWS SDK chain). */
  readonly kms: { readonly enabled: boolean; readonly region?: string; readonly endpoint?: string };
  readonly archive: ArchiveConfig;
  readonly breaker: BreakerOptions;
  readonly maxPayloadBytes: number;
}

const Env = z.object({
  ATTESTOR_KEYS_DIR: z.string().min(1).optional(),
  ATTESTOR_PKCS11_MODULE: z.string().min(1).optional(),
  ATTESTOR_PKCS11_TOKEN: z.string().min(1).optional(),
  ATTESTOR_PKCS11_PIN_FILE: z.string().min(1).optional(),
  ATTESTOR_PKCS11_PIN_ENV: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).default('ATTESTOR_PKCS11_PIN'),
  ATTESTOR_PKCS11_SESSIONS: z.coerce.number().int().min(1).max(64).default(4),
  ATTESTOR_KMS: z.enum(['0', '1', 'true', 'false']).default('0'),
  ATTESTOR_KMS_ENDPOINT: z.string().url().optional(),
  AWS_REGION: z.string().min(1).optional(),
  ATTESTOR_ARCHIVE: z
    .string()
    .regex(/^(?:fs:.+|s3:\/\/[a-z0-9.-]{3,63}(?:\/.*)?)$/, 'fs:<dir> or s3://<bucket>[/<prefix>]')
    .optional(),
  ATTESTOR_S3_ENDPOINT: z.string().url().optional(),
  ATTESTOR_PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(10).default(5000),
  ATTESTOR_PROVIDER_RESET_MS: z.coerce.number().int().min(100).default(30_000),
  ATTESTOR_MAX_PAYLOAD_BYTES: z.coerce.number().int().min(1).default(1024 * 1024),
});

/**
 * Keys and signing settings from the environment. Defaults: file keys under
 * `<dataDir>/keys`, envelopes archived under `<dataDir>/archive`, no PKCS#11, no KMS.
 */
export function loadSigningConfig(dataDir: string, env: NodeJS.ProcessEnv = process.env): SigningConfig {
  const parsed = Env.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')));
  if (!parsed.success) {
    throw new Error(`invalid signing configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const e = parsed.data;
  let pkcs11: Pkcs11ProviderConfig | undefined;
  if (e.ATTESTOR_PKCS11_MODULE !== undefined) {
    if (e.ATTESTOR_PKCS11_TOKEN === undefined) throw new Error('ATTESTOR_PKCS11_TOKEN (the token label) is required with ATTESTOR_PKCS11_MODULE');
    pkcs11 = {
      modulePath: e.ATTESTOR_PKCS11_MODULE,
      tokenLabel: e.ATTESTOR_PKCS11_TOKEN,
      pin: e.ATTESTOR_PKCS11_PIN_FILE !== undefined ? { file: resolve(e.ATTESTOR_PKCS11_PIN_FILE) } : { env: e.ATTESTOR_PKCS11_PIN_ENV },
      sessions: e.ATTESTOR_PKCS11_SESSIONS,
    };
  }
  const archiveSpec = e.ATTESTOR_ARCHIVE;
  let archive: ArchiveConfig = { kind: 'filesystem', root: resolve(dataDir, 'archive') };
  if (archiveSpec?.startsWith('fs:')) archive = { kind: 'filesystem', root: resolve(archiveSpec.slice(3)) };
  if (archiveSpec?.startsWith('s3://')) {
    const rest = archiveSpec.slice(5);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const prefix = slash < 0 ? '' : rest.slice(slash + 1).replace(/^\/+/, '').replace(/\/?$/, '/').replace(/^\/$/, '');
    archive = {
      kind: 's3',
      bucket,
      prefix,
      ...(e.ATTESTOR_S3_ENDPOINT ? { endpoint: e.ATTESTOR_S3_ENDPOINT } : {}),
      ...(e.AWS_REGION ? { region: e.AWS_REGION } : {}),
    };
  }
  return {
    keysDir: resolve(e.ATTESTOR_KEYS_DIR ?? resolve(dataDir, 'keys')),
    ...(pkcs11 ? { pkcs11 } : {}),
    kms: {
      enabled: e.ATTESTOR_KMS === '1' || e.ATTESTOR_KMS === 'true',
      ...(e.AWS_REGION ? { region: e.AWS_REGION } : {}),
      ...(e.ATTESTOR_KMS_ENDPOINT ? { endpoint: e.ATTESTOR_KMS_ENDPOINT } : {}),
    },
    archive,
    breaker: { timeoutMs: e.ATTESTOR_PROVIDER_TIMEOUT_MS, resetTimeoutMs: e.ATTESTOR_PROVIDER_RESET_MS },
    maxPayloadBytes: e.ATTESTOR_MAX_PAYLOAD_BYTES,
  };
}
