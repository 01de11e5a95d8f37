import type { NewEvent } from '../../domain/events/event';
import { newKeyId, parseKeyId, type KeyId } from '../../domain/keys/key-id';
import { KEY_PROVIDER_KINDS, parseKeyAlgorithm, type KeyProviderKind } from '../../domain/keys/key-algorithm';
import type { KeyCommand } from '../../domain/keys/key.commands';
import { decide, requireKeyName } from '../../domain/keys/key.decide';
import { foldKey } from '../../domain/keys/key.evolve';
import { InvalidKeyInputError, KeyAlreadyExistsError, KeyNotFoundError, KeyRevokedError } from '../../domain/keys/key.errors';
import { KEY_EVENT_SCHEMA_VERSION } from '../../domain/keys/key.events';
import type { KeyRecord, KeyState } from '../../domain/keys/key.state';
import type { Clock } from '../../domain/shared/clock';
import { inject, injectable } from '../injection';
import { CLOCK } from '../ports/clock';
import { EVENT_STORE, type EventStore } from '../ports/event-store';
import { KEY_PROVIDERS, type KeyProviders, type ProvidedKey } from '../ports/key-provider';
import { eventContext, newEvent, type CommandContext } from './command-context';
import { translatingDomainErrors } from '../errors/domain-errors';
import { keyStream, loadKey } from './key-stream';

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
    const material: ProvidedKey =
      request.import === undefined
        ? await this.providers.get(provider).generate({ name: request.name, algorithm })
        : await this.providers.get(provider).import({ name: request.name, ...request.import });
    const command: KeyCommand = {
      type: request.import === undefined ? 'CreateKey' : 'RegisterKey',
      keyId,
      name: request.name,
      provider,
      algorithm: material.algorithm,
      publicKeyPem: material.publicKeyPem,
      providerRef: material.providerRef,
    };
    return this.handle(keyId, state, command, ctx);
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
    return this.handle(keyId, state, { type: 'RotateKey', keyId, publicKeyPem: material.publicKeyPem, providerRef: material.providerRef }, ctx);
  }

  private async doRevoke(keyIdInput: string, request: RevokeKeyRequest, ctx: CommandContext): Promise<KeyRecord> {
    const keyId = parseKeyId(keyIdInput);
    const { state } = await loadKey(this.store, keyId);
    const command: KeyCommand = { type: 'RevokeKey', keyId, version: request.version, reason: request.reason };
    return this.handle(keyId, state, request.effectiveAt === undefined ? command : { ...command, effectiveAt: request.effectiveAt }, ctx);
  }

  private async handle(keyId: KeyId, state: KeyState, command: KeyCommand, ctx: CommandContext): Promise<KeyRecord> {
    const now = this.clock.now();
    const events = decide(command, state, { now });
    const metadata = eventContext(ctx, now);
    const newEvents: NewEvent[] = events.map((e) => newEvent<string, unknown>(e, KEY_EVENT_SCHEMA_VERSION, metadata));
    await this.store.append(keyStream(keyId), newEvents, {
      expectedRevision: state.exists ? BigInt(state.eventCount - 1) : 'no_stream',
    });
    return requireKey(foldKey(events, state), keyId);
  }
}

function requireKey(state: KeyState, keyId: string): KeyRecord {
  if (!state.exists) throw new KeyNotFoundError(keyId);
  return state;
}

function parseProviderKind(value: unknown): KeyProviderKind {
  if (typeof value === 'string' && (KEY_PROVIDER_KINDS as readonly string[]).includes(value)) return value as KeyProviderKind;
  throw new InvalidKeyInputError(`provider must be one of ${KEY_PROVIDER_KINDS.join(', ')}`, { provider: value }, 'unknown_key_provider');
}
