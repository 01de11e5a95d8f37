import { KMSClient } from '@aws-sdk/client-kms';
import { FileKeyProvider } from '../../adapters/keys/file.key-provider';
import { KeyProviderRegistry } from '../../adapters/keys/key-providers';
import { KmsKeyProvider } from '../../adapters/keys/kms.key-provider';
import { Pkcs11KeyProvider } from '../../adapters/keys/pkcs11.key-provider';
import { FilesystemObjectStore } from '../../adapters/object-store/filesystem.object-store';
import { S3ObjectStore, s3ClientFor } from '../../adapters/object-store/s3.object-store';
import type { Clock } from '../../domain/shared/clock';
import type { Logger } from '../observability/logger';
import type { EventStore } from '../ports/event-store';
import type { KeyProvider } from '../ports/key-provider';
import type { ObjectStore } from '../ports/object-store';
import { KeyService } from './key.service';
import type { SigningConfig } from './signing.config';
import { SigningService } from './signing.service';
import { VerificationService } from './verification.service';

export const KEY_SERVICE = Symbol('KeyService');
export const SIGNING_SERVICE = Symbol('SigningService');
export const VERIFICATION_SERVICE = Symbol('VerificationService');

export interface SigningComponents {
  readonly providers: KeyProviderRegistry;
  readonly archive: ObjectStore;
  readonly keys: KeyService;
  readonly signing: SigningService;
  readonly verification: VerificationService;
  close(): Promise<void>;
}

/** Builds the providers (each behind a circuit breaker), the archive and the three services. */
export function buildSigning(config: SigningConfig, store: EventStore, clock: Clock, logger?: Logger): SigningComponents {
  const providers: KeyProvider[] = [new FileKeyProvider(config.keysDir)];
  const pkcs11 = config.pkcs11;
  if (pkcs11) {
    providers.push(
      new Pkcs11KeyProvider({
        ...pkcs11,
        // The provider recovers by itself; operators still want to know the HSM restarted or dropped its sessions.
        onSessionsLost: ({ pkcs11Code }) =>
          logger?.warn('the HSM dropped the PKCS#11 sessions; opening new ones and logging in again', { token: pkcs11.tokenLabel, pkcs11Code }),
      }),
    );
  }
  if (config.kms.enabled) {
    providers.push(
      new KmsKeyProvider({
        client: new KMSClient({ ...(config.kms.region ? { region: config.kms.region } : {}), ...(config.kms.endpoint ? { endpoint: config.kms.endpoint } : {}) }),
        requestTimeoutMs: config.breaker.timeoutMs ?? 5000,
      }),
    );
  }
  const registry = new KeyProviderRegistry(providers, config.breaker);
  const archive: ObjectStore =
    config.archive.kind === 'filesystem'
      ? new FilesystemObjectStore(config.archive.root)
      : new S3ObjectStore({
          client: s3ClientFor({
            ...(config.archive.endpoint ? { endpoint: config.archive.endpoint } : {}),
            ...(config.archive.region ? { region: config.archive.region } : {}),
          }),
          bucket: config.archive.bucket,
          prefix: config.archive.prefix,
        });
  return {
    providers: registry,
    archive,
    keys: new KeyService(store, registry, clock),
    signing: new SigningService(store, registry, archive, clock, { maxPayloadBytes: config.maxPayloadBytes }),
    verification: new VerificationService(store, archive),
    close: () => registry.close(),
  };
}
