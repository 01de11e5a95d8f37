import { z } from 'zod';
import { DEFAULT_LEDGER_KEY_ID, DEFAULT_LEDGER_ORIGIN } from '../../domain/ledger/ledger.events';
import { KEY_PROVIDER_KINDS, type KeyProviderKind } from '../../domain/keys/key-algorithm';
import { ConfigError } from '../config/config';

export interface LedgerConfig {
  /** `ATTESTOR_LEDGER_KEY_ID` (default `ledger`). */
  readonly keyId: string;
  /** `ATTESTOR_LEDGER_KEY_PROVIDER`: where the key is created on first use (default `file`). */
  readonly provider: KeyProviderKind;
  /** `ATTESTOR_LEDGER_ORIGIN`: checkpoint origin and note key name (default `attestor-ledger`). */
  readonly origin: string;
  /** `ATTESTOR_LEDGER_CHECKPOINT_SECONDS`: how often the service checkpoints (0 = never on a timer). Default 300. */
  readonly checkpointIntervalMs: number;
}

const Env = z.object({
  ATTESTOR_LEDGER_KEY_ID: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:@+=-]{0,127}$/).default(DEFAULT_LEDGER_KEY_ID),
  ATTESTOR_LEDGER_KEY_PROVIDER: z.enum(KEY_PROVIDER_KINDS).default('file'),
  ATTESTOR_LEDGER_ORIGIN: z.string().regex(/^[^\s+]+$/, 'one word without spaces or "+"').default(DEFAULT_LEDGER_ORIGIN),
  ATTESTOR_LEDGER_CHECKPOINT_SECONDS: z.coerce.number().int().min(0).default(300),
});

export function loadLedgerConfig(env: NodeJS.ProcessEnv = process.env): LedgerConfig {
  const parsed = Env.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')));
  if (!parsed.success) throw new ConfigError(`invalid ledger configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const e = parsed.data;
  return { keyId: e.ATTESTOR_LEDGER_KEY_ID, provider: e.ATTESTOR_LEDGER_KEY_PROVIDER, origin: e.ATTESTOR_LEDGER_ORIGIN, checkpointIntervalMs: e.ATTESTOR_LEDGER_CHECKPOINT_SECONDS * 1000 };
}
