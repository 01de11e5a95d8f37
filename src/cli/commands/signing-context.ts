import { openEventStore } from '../../composition-root';
import { SystemClock } from '../../clock/system-clock';
import { loadConfig } from '../../config/config';
import { containerWith } from '../../injection';
import type { EventStore } from '../../ports/event-store';
import { buildSigning, type SigningComponents } from '../../signing/signing.composition';
import { loadSigningConfig } from '../../signing/signing.config';

/** Opens the configured store and the signing components for one CLI command, and closes them after. */
export async function withSigning<T>(
  dataDir: string | undefined,
  work: (c: SigningComponents & { readonly store: EventStore }) => Promise<T>,
  options: { mustExist?: boolean } = {},
): Promise<T> {
  const config = loadConfig(process.env, dataDir ? { ATTESTOR_DATA_DIR: dataDir } : {});
  const store = await openEventStore(config, options);
  const components = buildSigning(loadSigningConfig(config.dataDir), containerWith(store, new SystemClock()));
  try {
    return await work({ ...components, store });
  } finally {
    await components.close();
    await store.close();
  }
}


export const CLI_CONTEXT = { actor: `cli:${process.env['USER'] ?? 'unknown'}` };
