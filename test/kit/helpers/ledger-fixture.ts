import type { ExecutionContext } from 'ava';
import { join } from 'node:path';
import { LedgerCheckpointer } from '../../../src/ledger/ledger-checkpointer';
import { LedgerKey } from '../../../src/ledger/ledger-key';
import { exportKit, type ExportKitOptions } from '../../../src/kit/kit-export';
import { fixture, type Fixture } from '../../signing/helpers/fixture';
import { someEvents } from '../../support/events';
import { tempDir } from '../../support/temp-dir';
import { streamName } from '../../../domain/events/stream-name';

export interface LedgerFixture extends Fixture {
  readonly ledgerKey: LedgerKey;
  readonly checkpointer: LedgerCheckpointer;
  exportTo(out: string, options?: Omit<ExportKitOptions, 'out'>): ReturnType<typeof exportKit>;
}

/** The signing fixture plus the ledger key and checkpointer. */
export function ledgerFixture(): LedgerFixture {
  const f = fixture();
  const ledgerKey = new LedgerKey(f.store, f.keys, f.providers);
  const checkpointer = new LedgerCheckpointer(f.store, ledgerKey, f.clock);
  return {
    ...f,
    close: () => f.close(),
    ledgerKey,
    checkpointer,
    exportTo: (out, options = {}) =>
      exportKit({ store: f.store, archive: f.archive, checkpointer, ledgerKey }, { signatureCacheDir: join(f.dir, 'kit-signatures'), ...options, out }),
  };
}

/** Keys, signed envelopes (two tenants) and plain events: a small but real ledger. */
export async function populate(f: LedgerFixture, envelopes = 3): Promise<void> {
  const a = await f.keys.create({ name: 'release', provider: 'file' }, { tenant: 'acme' });
  const b = await f.keys.create({ name: 'other', provider: 'file' }, { tenant: 'globex' });
  for (let i = 0; i < envelopes; i++) {
    f.clock.advance(1000);
    await f.signing.sign({ keyIds: [i % 2 === 0 ? a.keyId : b.keyId], payloadType: 'text/plain', payload: Buffer.from(`artifact ${i}`) }, { tenant: i % 2 === 0 ? 'acme' : 'globex' });
  }
  // Plain events stamped by the same clock as everything else, as one service would stamp them.
  await f.store.append(streamName('thing', 'one'), someEvents(5).map((e) => ({ ...e, metadata: { ...e.metadata, occurredAt: f.clock.now() } })));
  await f.keys.rotate(a.keyId);
  await f.signing.sign({ keyIds: [a.keyId], payloadType: 'text/plain', payload: Buffer.from('after rotation') }, { tenant: 'acme' });
}

/** A small real ledger (`populate` with one envelope) exported to `kit.tar` in a fresh directory; closed after the test. */
export async function exportedKit(t: ExecutionContext): Promise<{ f: LedgerFixture; dir: string; kit: Awaited<ReturnType<typeof exportKit>> }> {
  const f = ledgerFixture();
  t.teardown(() => f.close());
  await populate(f, 1);
  const dir = tempDir(t);
  const kit = await f.exportTo(join(dir, 'kit.tar'));
  return { f, dir, kit };
}
