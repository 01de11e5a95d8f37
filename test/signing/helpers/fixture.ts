import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SqliteEventStore } from '../../../adapters/event-store/sqlite/sqlite.event-store';
import { FileKeyProvider } from '../../../adapters/keys/file.key-provider';
import { KeyProviderRegistry } from '../../../adapters/keys/key-providers';
import { FilesystemObjectStore } from '../../../adapters/object-store/filesystem.object-store';
import type { Clock } from '../../../domain/shared/clock';
import type { KeyProvider } from '../../../src/ports/key-provider';
import { KeyService } from '../../../src/signing/key.service';
import { SigningService } from '../../../src/signing/signing.service';
import { VerificationService } from '../../../src/signing/verification.service';

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  constructor(private ms = Date.parse('2025-06-01T00:00:00.000Z')) {}
  now(): string {
    return new Date(this.ms).toISOString();
  }
  set(iso: string): void {
    this.ms = Date.parse(iso);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface Fixture {
  readonly dir: string;
  readonly store: SqliteEventStore;
  readonly archive: FilesystemObjectStore;
  readonly providers: KeyProviderRegistry;
  readonly clock: ManualClock;
  readonly keys: KeyService;
  readonly signing: SigningService;
  readonly verification: VerificationService;
  close(): Promise<void>;
}

/** The real thing on a temporary directory: SQLite event store, filesystem archive, file keys (+ extra providers). */
export function fixture(extraProviders: readonly KeyProvider[] = [], options: { maxPayloadBytes?: number } = {}): Fixture {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'attestor-signing-'));
  const store = SqliteEventStore.open(path.join(dir, 'events.db'));
  const archive = new FilesystemObjectStore(path.join(dir, 'archive'));
  const providers = new KeyProviderRegistry([new FileKeyProvider(path.join(dir, 'keys')), ...extraProviders]);
  const clock = new ManualClock();
  return {
    dir,
    store,
    archive,
    providers,
    clock,
    keys: new KeyService(store, providers, clock),
    signing: new SigningService(store, providers, archive, clock, options),
    verification: new VerificationService(store, archive),
    async close() {
      await providers.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
