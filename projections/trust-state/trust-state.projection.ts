import { KEY_EVENT_TYPES } from '../../domain/keys/key.events';
import type { Projection } from '../projection';

export const TRUST_STATE = 'trust-state';
export const TRUST_STATE_KEY = 'current';

/** Changes whenever the key registry changes: cached verification results are only valid for one version. */
export interface TrustStateDoc {
  readonly version: string;
  readonly keyEvents: number;
}

export const trustStateProjection: Projection<TrustStateDoc> = {
  name: TRUST_STATE,
  version: 1,
  handles: KEY_EVENT_TYPES,
  keysOf: () => [TRUST_STATE_KEY],
  evolve: (doc, event) => ({ version: event.position.commit.toString(), keyEvents: (doc?.keyEvents ?? 0) + 1 }),
};
