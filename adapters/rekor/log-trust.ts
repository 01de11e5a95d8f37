import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { noteVerifierFor, parseTrustedRoot, type NoteVerifier } from '../../domain/transparency';
import { rawEd25519, spkiDer } from '../../domain/transparency/note-key';
import { ConfigError } from '../../src/config/config';

export type RekorApi = 'v1' | 'v2';

/**
 * What a log client trusts about one log: its key, the name that key signs
 * checkpoints under, the log ID its entries carry and (optionally) the exact
 * checkpoint origin. Nothing the log serves is believed unless it verifies
 * against this.
 */
export interface LogTrust {
  readonly logId: Buffer;
  readonly publicKey: KeyObject;
  /** Key name on checkpoint signature lines: the host of the log's base URL. */
  readonly keyName: string;
  readonly verifier: NoteVerifier;
  /** Required checkpoint origin; undefined accepts any (Rekor v1 origins embed the tree ID). */
  readonly origin?: string;
}

export interface TrustedRootSelection {
  readonly api: RekorApi;
  /** The log's base URL as the trusted root lists it (e.g. https://rekor.sigstore.dev), not necessarily where it is reached. */
  readonly baseUrl?: string;
  /** Picks the log by its ID instead (or as well). */
  readonly logId?: Uint8Array;
  /** Required checkpoint origin (Rekor v2: the shard host, which is also the key name, is the default). */
  readonly origin?: string;
  /** Keys must be valid at this time (default now). */
  readonly at?: Date;
}

/**
 * The log's trust from a Sigstore trusted root. A root may list several logs
 * under one base URL (the local log lists its v1 ECDSA and v2 Ed25519 logs
 * under the same host): the API decides, v2 logs sign with Ed25519 and v1 logs
 * do not. Among several candidates the most recently started key wins.
 */
export function trustFromTrustedRoot(trustedRoot: unknown, selection: TrustedRootSelection): LogTrust {
  const root = parseTrustedRoot(typeof trustedRoot === 'string' ? JSON.parse(trustedRoot) : trustedRoot);
  if (!root.ok) throw new ConfigError(root.reason);
  const at = selection.at ?? new Date();
  const wantedHost = selection.baseUrl === undefined ? undefined : new URL(selection.baseUrl).host;
  const candidates = root.value.tlogs
    .filter((t) => wantedHost === undefined || t.keyName === wantedHost)
    .filter((t) => selection.logId === undefined || t.logId.equals(selection.logId))
    .filter((t) => (t.publicKey.asymmetricKeyType === 'ed25519') === (selection.api === 'v2'))
    .filter((t) => t.validFor.start <= at && (t.validFor.end === undefined || at <= t.validFor.end))
    .sort((a, b) => b.validFor.start.getTime() - a.validFor.start.getTime());
  const [log] = candidates;
  if (!log) {
    throw new ConfigError(
      `the trusted root lists no Rekor ${selection.api} log${wantedHost ? ` at ${wantedHost}` : ''}${selection.logId ? ` with log ID ${Buffer.from(selection.logId).toString('base64')}` : ''} whose key is valid at ${at.toISOString()}`,
    );
  }
  const verifier = noteVerifierFor(log.keyName, log.publicKey);
  if (!verifier.ok) throw new ConfigError(`log ${log.baseUrl}: ${verifier.reason}`);
  const origin = selection.origin ?? (selection.api === 'v2' ? log.keyName : undefined);
  return { logId: log.logId, publicKey: log.publicKey, keyName: log.keyName, verifier: verifier.value, ...(origin === undefined ? {} : { origin }) };
}

export interface PublicKeySelection {
  readonly api: RekorApi;
  /** Name the log signs checkpoints under (the host of its public URL). */
  readonly keyName: string;
  readonly origin?: string;
  /** Defaults: v1 SHA-256(DER SPKI); v2 SHA-256(keyName ‖ 0x0A ‖ 0x01 ‖ Ed25519 key), the C2SP key hash. */
  readonly logId?: Buffer;
}

/** The log's trust from its public key (PEM or KeyObject), when no trusted root is at hand. */
export function trustFromPublicKey(key: KeyObject | string, selection: PublicKeySelection): LogTrust {
  let publicKey: KeyObject;
  try {
    publicKey = typeof key === 'string' ? createPublicKey(key) : key.type === 'private' ? createPublicKey(key) : key;
  } catch (err) {
    throw new ConfigError(`log public key cannot be read: ${err instanceof Error ? err.message : String(err)}`);
  }
  const verifier = noteVerifierFor(selection.keyName, publicKey);
  if (!verifier.ok) throw new ConfigError(`log key: ${verifier.reason}`);
  const logId =
    selection.logId ??
    (selection.api === 'v2' && publicKey.asymmetricKeyType === 'ed25519'
      ? createHash('sha256').update(selection.keyName).update(Buffer.of(0x0a, 0x01)).update(rawEd25519(publicKey)).digest()
      : createHash('sha256').update(spkiDer(publicKey)).digest());
  const origin = selection.origin ?? (selection.api === 'v2' ? selection.keyName : undefined);
  return { logId, publicKey, keyName: selection.keyName, verifier: verifier.value, ...(origin === undefined ? {} : { origin }) };
}
