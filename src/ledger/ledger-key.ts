import { createPublicKey } from 'node:crypto';
import { DEFAULT_LEDGER_KEY_ID } from '../../domain/ledger/ledger.events';
import { activeSigningVersion } from '../../domain/keys/key.decide';
import { KeyAlreadyExistsError } from '../../domain/keys/key.errors';
import type { KeyProviderKind } from '../../domain/keys/key-algorithm';
import type { KeyRecord } from '../../domain/keys/key.state';
import { pae, type DsseEnvelope } from '../../domain/signing/dsse-envelope';
import { verifyMessageSignature } from '../../domain/signing/signature-verification';
import { formatSignedNote, noteVerifierFor, openCheckpoint } from '../../domain/transparency';
import { spkiKeyId } from '../../domain/transparency/note-key';
import { inject, injectable } from '../injection';
import { EVENT_STORE, type EventStore } from '../ports/event-store';
import { KEY_PROVIDERS, type KeyProviders } from '../ports/key-provider';
import type { CommandContext } from '../signing/command-context';
import { KeyService } from '../signing/key.service';
import { loadKey } from '../signing/key-stream';

export interface LedgerKeyOptions {
  /** Registered key id (default `ledger`, stream `key-ledger`). */
  readonly keyId?: string;
  /** Provider that creates the key on first use (default `file`; `pkcs11` or `kms` keep it in an HSM). */
  readonly provider?: KeyProviderKind;
}

/** Injection token of `LedgerKeyOptions`. */
export const LEDGER_KEY_OPTIONS = Symbol('LedgerKeyOptions');

/** Which key version signed, as recorded with every ledger signature. */
export interface LedgerSigner {
  readonly keyId: string;
  readonly keyVersion: number;
  readonly fingerprint: string;
  readonly keyRevision: number;
  readonly publicKeyPem: string;
}

/**
 * The ledger's own signing key: an ECDSA P-256 key registered through the
 * KeyService like any other (so it has a history, rotates and revokes with
 * `attestor keys`, and can live in a PKCS#11 token or KMS), created on first
 * use. It signs checkpoint notes (C2SP signature type 0x02, key name = origin)
 * and kit manifests (DSSE).
 */
@injectable()
export class LedgerKey {
  readonly keyId: string;
  private readonly provider: KeyProviderKind;

  constructor(
    @inject(EVENT_STORE) private readonly store: EventStore,
    @inject(KeyService) private readonly keys: KeyService,
    @inject(KEY_PROVIDERS) private readonly providers: KeyProviders,
    @inject(LEDGER_KEY_OPTIONS) options: LedgerKeyOptions = {},
  ) {
    this.keyId = options.keyId ?? DEFAULT_LEDGER_KEY_ID;
    this.provider = options.provider ?? 'file';
  }

  /** The active version, creating the key if the ledger has none yet. */
  async current(ctx: CommandContext = {}): Promise<LedgerSigner & { readonly key: KeyRecord; readonly providerRef: string }> {
    let { state } = await loadKey(this.store, this.keyId);
    if (!state.exists) {
      try {
        await this.keys.create({ keyId: this.keyId, name: 'attestor ledger', provider: this.provider }, { actor: 'system:ledger', ...ctx });
      } catch (error) {
        if (!(error instanceof KeyAlreadyExistsError) && (error as { code?: string }).code !== 'key_already_exists') throw error;
      }
      state = (await loadKey(this.store, this.keyId)).state;
    }
    const version = activeSigningVersion(state, this.keyId);
    const key = state as KeyRecord;
    return {
      key,
      keyId: key.keyId,
      keyVersion: version.version,
      fingerprint: version.fingerprint,
      keyRevision: key.eventCount - 1,
      publicKeyPem: version.publicKeyPem,
      providerRef: version.providerRef,
    };
  }

  /** Signs a note text (ending in a newline) under `name`; checks the signature before returning it. */
  async signNote(text: string, name: string, signer?: Awaited<ReturnType<LedgerKey['current']>>): Promise<{ note: string; signer: LedgerSigner }> {
    const s = signer ?? (await this.current());
    const publicKey = createPublicKey(s.publicKeyPem);
    const signature = await this.providers.get(s.key.provider).sign(s.providerRef, Buffer.from(text, 'utf8'));
    const note = formatSignedNote({ text, signatures: [{ name, keyId: spkiKeyId(publicKey), signature }] });
    const verifier = noteVerifierFor(name, publicKey);
    if (!verifier.ok || !openCheckpoint(note, [verifier.value]).ok) throw new Error(`the ledger key ${s.keyId} v${s.keyVersion} produced a note signature that does not verify`);
    return { note, signer: strip(s) };
  }

  /** A DSSE envelope over `payload`, signed by the active version (keyid = its fingerprint). */
  async signDsse(payloadType: string, payload: Uint8Array): Promise<{ envelope: DsseEnvelope; signer: LedgerSigner }> {
    const s = await this.current();
    const message = pae(payloadType, payload);
    const signature = await this.providers.get(s.key.provider).sign(s.providerRef, message);
    if (!verifyMessageSignature(message, signature, s.publicKeyPem)) throw new Error(`the ledger key ${s.keyId} v${s.keyVersion} produced a DSSE signature that does not verify`);
    return {
      envelope: { payload: Buffer.from(payload).toString('base64'), payloadType, signatures: [{ keyid: s.fingerprint, sig: signature.toString('base64') }] },
      signer: strip(s),
    };
  }
}

function strip(s: LedgerSigner): LedgerSigner {
  return { keyId: s.keyId, keyVersion: s.keyVersion, fingerprint: s.fingerprint, keyRevision: s.keyRevision, publicKeyPem: s.publicKeyPem };
}
