import type { NewEvent } from '../../domain/events/event';
import { DomainError } from '../../domain/shared/domain-error';
import { newKeyId, parseKeyId, type KeyId } from '../../domain/keys/key-id';
import { canonicalPublicKeyPem, keyIdentities, KEY_PROVIDER_KINDS, parseKeyAlgorithm, type KeyProviderKind } from '../../domain/keys/key-algorithm';
import type { KeyCommand } from '../../domain/keys/key.commands';
import { decide, requireKeyName } from '../../domain/keys/key.decide';
import { foldKey } from '../../domain/keys/key.evolve';
import { InvalidKeyInputError, KeyAlreadyExistsError, KeyMaterialReusedError, KeyNotFoundError, KeyRevokedError } from '../../domain/keys/key.errors';
import {
  claimMaterial,
  KEY_MATERIAL_CLAIMED,
  KEY_MATERIAL_EVENT_SCHEMA_VERSION,
  KEY_MATERIAL_STREAM_CATEGORY,
  keyMaterialStream,
  mayOwn,
  type KeyMaterialClaimedData,
  type MaterialOwner,
  type MaterialOwners,
} from '../../domain/keys/key-material';
import { ConcurrencyError } from '../errors/concurrency-error';
import { readCurrent } from '../events/read-current';
import { KEY_EVENT_SCHEMA_VERSION, type KeyVersionActivatedData } from '../../domain/keys/key.events';
import type { KeyRecord, KeyState } from '../../domain/keys/key.state';
import type { Clock } from '../../domain/shared/clock';
import { inject, injectable } from '../injection';
import { CLOCK } from '../ports/clock';
import { EVENT_STORE, type EventStore } from '../ports/event-store';
import { KEY_PROVIDERS, type KeyProvider, type KeyProviders, type ProvidedKey } from '../ports/key-provider';
import { eventContext, newEvent, type CommandContext } from './command-context';
import { translatingDomainErrors } from '../errors/domain-errors';
import { keyStream, loadAllKeys, loadKey } from './key-stream';

export interface CreateKeyRequest {
  /** Optional caller-chosen id; default a fresh `k-<uuid>`. */
  readonly keyId?: string;
  readonly name: string;
  readonly provider: string;
  readonly algorithm?: string;
  /** Register existing material instead of generating: a PEM (file) or a provider reference. */
  readonly import?: { readonly privateKeyPem?: string; readonly reference?: string };
}

export interface RotateKeyRequest {
  /** Rotate to existing material instead of a freshly generated key pair. */
  readonly import?: { readonly privateKeyPem?: string; readonly reference?: string };
}

export interface RevokeKeyRequest {
  readonly version: number | 'all';
  readonly reason: string;
  readonly effectiveAt?: string;
}

/**
 * Application service of the key lifecycle: asks the provider for material,
 * lets the aggregate decide, appends the events with an expected revision.
 */
@injectable()
export class KeyService {
  constructor(
    @inject(EVENT_STORE) private readonly store: EventStore,
    @inject(KEY_PROVIDERS) private readonly providers: KeyProviders,
    @inject(CLOCK) private readonly clock: Clock,
  ) {}

  create(request: CreateKeyRequest, ctx: CommandContext = {}): Promise<KeyRecord> {
    return translatingDomainErrors(() => this.doCreate(request, ctx));
  }

  rotate(keyId: string, request: RotateKeyRequest = {}, ctx: CommandContext = {}): Promise<KeyRecord> {
    return translatingDomainErrors(() => this.doRotate(keyId, request, ctx));
  }

  revoke(keyId: string, request: RevokeKeyRequest, ctx: CommandContext = {}): Promise<KeyRecord> {
    return translatingDomainErrors(() => this.doRevoke(keyId, request, ctx));
  }

  /** The key as its stream describes it now (consistent read). */
  get(keyIdInput: string): Promise<KeyRecord> {
    return translatingDomainErrors(async () => {
      const keyId = parseKeyId(keyIdInput);
      return requireKey((await loadKey(this.store, keyId)).state, keyId);
    });
  }

  private async doCreate(request: CreateKeyRequest, ctx: CommandContext): Promise<KeyRecord> {
    const keyId = request.keyId === undefined ? newKeyId() : parseKeyId(request.keyId);
    const provider = parseProviderKind(request.provider);
    const algorithm = parseKeyAlgorithm(request.algorithm);
    // Every check that does not need the key material runs before the provider makes it,
    // so a refused request leaves no orphaned key file or token object behind.
    requireKeyName(request.name);
    const { state } = await loadKey(this.store, keyId);
    // Refuse before the provider makes key material that nothing would reference.
    if (state.exists) throw new KeyAlreadyExistsError(keyId);
    const source = this.providers.get(provider);
    const material: ProvidedKey =
      request.import === undefined ? await source.generate({ name: request.name, algorithm }) : await source.import({ name: request.name, ...request.import });
    const command: KeyCommand = {
      type: request.import === undefined ? 'CreateKey' : 'RegisterKey',
      keyId,
      name: request.name,
      provider,
      algorithm: material.algorithm,
      // One key, one fingerprint, however the provider or the importer encoded it.
      publicKeyPem: canonicalPublicKeyPem(material.publicKeyPem),
      providerRef: material.providerRef,
    };
    return this.discardingIfRefused(source, madeNow(request.import), material, () => this.handle(keyId, state, command, ctx));
  }

  private async doRotate(keyIdInput: string, request: RotateKeyRequest, ctx: CommandContext): Promise<KeyRecord> {
    const keyId = parseKeyId(keyIdInput);
    const { state } = await loadKey(this.store, keyId);
    const key = requireKey(state, keyId);
    if (key.revoked) throw new KeyRevokedError(keyId, 'all');
    const provider = this.providers.get(key.provider);
    const material =
      request.import === undefined
        ? await provider.generate({ name: key.name, algorithm: key.algorithm })
        : await provider.import({ name: key.name, ...request.import });
    const command: KeyCommand = { type: 'RotateKey', keyId, publicKeyPem: canonicalPublicKeyPem(material.publicKeyPem), providerRef: material.providerRef };
    return this.discardingIfRefused(provider, madeNow(request.import), material, () => this.handle(keyId, state, command, ctx));
  }

  private async doRevoke(keyIdInput: string, request: RevokeKeyRequest, ctx: CommandContext): Promise<KeyRecord> {
    const keyId = parseKeyId(keyIdInput);
    const { state } = await loadKey(this.store, keyId);
    const command: KeyCommand = { type: 'RevokeKey', keyId, version: request.version, reason: request.reason };
    return this.handle(keyId, state, request.effectiveAt === undefined ? command : { ...command, effectiveAt: request.effectiveAt }, ctx);
  }

  private async handle(keyId: KeyId, state: KeyState, command: KeyCommand, ctx: CommandContext): Promise<KeyRecord> {
    const now = this.clock.now();
    const bringsMaterial = command.type !== 'RevokeKey';
    const materialOwners = bringsMaterial ? await this.materialOwners() : new Map<string, MaterialOwner>();
    const events = decide(command, state, { now, materialOwners });
    const metadata = eventContext(ctx, now);
    const activation = events.find((e): e is { type: 'KeyVersionActivated'; data: KeyVersionActivatedData } => e.type === 'KeyVersionActivated');
    if (activation !== undefined) await this.claim(activation.data, metadata);
    const newEvents: NewEvent[] = events.map((e) => newEvent<string, unknown>(e, KEY_EVENT_SCHEMA_VERSION, metadata));
    await this.store.append(keyStream(keyId), newEvents, {
      expectedRevision: state.exists ? BigInt(state.eventCount - 1) : 'no_stream',
    });
    return requireKey(foldKey(events, state), keyId);
  }

  /**
   * Who owns which key material, read from the events themselves (not the registry read model,
   * which may lag): every version ever activated in a key stream — revoked ones included — and
   * every claim. An activation wins over a claim for the same material (they agree unless a
   * claim was orphaned, see `claim`).
   */
  private async materialOwners(): Promise<MaterialOwners> {
    const claims = (await this.store.readAll({ filter: { streamPrefixes: [`${KEY_MATERIAL_STREAM_CATEGORY}-`] } }))
      .filter((e) => e.type === KEY_MATERIAL_CLAIMED)
      .map((e) => readCurrent(e).data as KeyMaterialClaimedData);
    const owners = new Map<string, MaterialOwner>();
    for (const key of await loadAllKeys(this.store)) {
      if (!key.exists) continue;
      // A version recorded before PEMs were stored canonical is known by both of its fingerprints.
      for (const v of key.versions) {
        for (const fingerprint of [v.fingerprint, ...keyIdentities(v.publicKeyPem)]) {
          if (!owners.has(fingerprint)) owners.set(fingerprint, { keyId: key.keyId, version: v.version });
        }
      }
    }
    for (const c of claims) if (!owners.has(c.fingerprint)) owners.set(c.fingerprint, { keyId: c.keyId, version: c.version });
    return owners;
  }

  /**
   * Claims the material for the key version about to be activated, before its key events are
   * appended. Why a claim stream rather than only the check in `decide`: that check reads the
   * key streams, then the key events go to the key's own stream; two requests bringing the same
   * material under two key ids append to two different streams, so no expected revision would
   * stop both. One `keymaterial-<fingerprint>` stream appended with `no_stream` is the one place
   * both must pass, and the store lets exactly one in (per-stream optimistic concurrency; the
   * store has no multi-stream transaction).
   *
   * The claim and the key events are two appends. If the second one fails (another writer changed
   * the key stream, a crash in between), the claim stays, orphaned: the material is then held for
   * that key id and version. That fails closed — the material was never activated, so nothing
   * signed with it, and no-one else can register it. It is not lost to its requester: a claim
   * that names exactly the key id and version a request is about to write is that request's own
   * (the key stream's expected revision still lets only one writer make that version), so a retry
   * of the same create (same key id) goes through. Generated material from a failed attempt is
   * simply discarded.
   */
  private async claim(activation: KeyVersionActivatedData, metadata: ReturnType<typeof eventContext>): Promise<void> {
    const mine: MaterialOwner = { keyId: activation.keyId, version: activation.version };
    const stream = keyMaterialStream(activation.fingerprint);
    const event = newEvent(claimMaterial(activation.fingerprint, mine, metadata.occurredAt), KEY_MATERIAL_EVENT_SCHEMA_VERSION, metadata);
    try {
      await this.store.append(stream, [event], { expectedRevision: 'no_stream' });
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
      const [first] = await this.store.readStream(stream, { maxCount: 1 });
      const owner = first === undefined ? undefined : (readCurrent(first).data as KeyMaterialClaimedData);
      if (owner === undefined || !mayOwn(owner, mine)) {
        throw new KeyMaterialReusedError(activation.keyId, activation.fingerprint, owner ?? mine);
      }
    }
  }

  /**
   * Runs `write`; when it is refused before any key event is written (a domain rule, or a lost
   * race: ConcurrencyError means the append wrote nothing), removes the material this request
   * made so no private key is left behind that nothing references. Other failures (store
   * unavailable, timeout) may hide a write that happened, so the material is kept.
   */
  private async discardingIfRefused(provider: KeyProvider, made: boolean, material: ProvidedKey, write: () => Promise<KeyRecord>): Promise<KeyRecord> {
    try {
      return await write();
    } catch (error) {
      if (made && (error instanceof DomainError || error instanceof ConcurrencyError)) {
        await provider.discard(material.providerRef).catch(() => undefined);
      }
      throw error;
    }
  }
}

/** True when the provider makes new material for this request (generate, or a PEM it stores); false when it registers a reference. */
function madeNow(importRequest: CreateKeyRequest['import']): boolean {
  return importRequest === undefined || importRequest.privateKeyPem !== undefined;
}

function requireKey(state: KeyState, keyId: string): KeyRecord {
  if (!state.exists) throw new KeyNotFoundError(keyId);
  return state;
}

function parseProviderKind(value: unknown): KeyProviderKind {
  if (typeof value === 'string' && (KEY_PROVIDER_KINDS as readonly string[]).includes(value)) return value as KeyProviderKind;
  throw new InvalidKeyInputError(`provider must be one of ${KEY_PROVIDER_KINDS.join(', ')}`, { provider: value }, 'unknown_key_provider');
}
