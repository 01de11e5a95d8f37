import { KMSClient } from '@aws-sdk/client-kms';
import { FileKeyProvider } from '../../adapters/keys/file.key-provider';
import { KeyProviderRegistry } from '../../adapters/keys/key-providers';
import { KmsKeyProvider } from '../../adapters/keys/kms.key-provider';
import { Pkcs11KeyProvider } from '../../adapters/keys/pkcs11.key-provider';
import { FilesystemObjectStore } from '../../adapters/object-store/filesystem.object-store';
import { S3ObjectStore, s3ClientFor } from '../../adapters/object-store/s3.object-store';
import type { DependencyContainer } from '../injection';
import { LOGGER, type Logger } from '../observability/logger';
import { KEY_PROVIDERS, type KeyProvider } from '../ports/key-provider';
import { OBJECT_STORE, type ObjectStore } from '../ports/object-store';
import { KeyService } from './key.service';
import type { SigningConfig } from './signing.config';
import { SIGNING_LIMITS, SigningService, type SigningServiceOptions } from './signing.service';
import { VerificationService } from './verification.service';

export interface SigningComponents {
  /** The container they were resolved from: later parts (the ledger) resolve from it too. */
  readonly container: DependencyContainer;
  readonly providers: KeyProviderRegistry;
  readonly archive: ObjectStore;
  readonly keys: KeyService;
  readonly signing: SigningService;
  readonly verification: VerificationService;
  close(): Promise<void>;
}

/**
 * Registers the signing adapters this configuration chooses (key providers,
 * each behind a circuit breaker; the envelope archive) in `container`, which
 * holds the event store and clock (`containerWith`), and resolves the three
 * services from it.
 */
export function buildSigning(config: SigningConfig, container: DependencyContainer): SigningComponents {
  // Where a logger is registered (serve, worker), providers report what they recover from.
  const logger = container.isRegistered(LOGGER, true) ? container.resolve<Logger>(LOGGER) : undefined;
  const providers = new KeyProviderRegistry(keyProvidersFor(config, logger), config.breaker);
  const archive = archiveFor(config.archive);
  container.registerInstance(KEY_PROVIDERS, providers);
  container.registerInstance(OBJECT_STORE, archive);
  container.registerInstance<SigningServiceOptions>(SIGNING_LIMITS, { maxPayloadBytes: config.maxPayloadBytes });
  container.registerSingleton(KeyService);
  container.registerSingleton(SigningService);
  container.registerSingleton(VerificationService);
  return {
    container,
    providers,
    archive,
    keys: container.resolve(KeyService),
    signing: container.resolve(SigningService),
    verification: container.resolve(VerificationService),
    close: () => providers.close(),
  };
}

function keyProvidersFor(config: SigningConfig, logger: Logger | undefined): KeyProvider[] {
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
  return providers;
}

/** The envelope archive a configuration names (filesystem or S3). */
export function archiveFor(archive: SigningConfig['archive']): ObjectStore {
  return archive.kind === 'filesystem'
    ? new FilesystemObjectStore(archive.root)
    : new S3ObjectStore({
        client: s3ClientFor({
          ...(archive.endpoint ? { endpoint: archive.endpoint } : {}),
          ...(archive.region ? { region: archive.region } : {}),
        }),
        bucket: archive.bucket,
        prefix: archive.prefix,
      });
}
