import type { EntryLogged } from '../../domain/attestations/submission.events';
import type { RecordedEvent } from '../../domain/events/event';
import type { Projection } from '../projection';
import type { EntryRef, EntryView } from './entry-view';

export const ENTRY_CACHE = 'entry-cache';
/** One document per entry per log: the same envelope in two logs of one kind has the same UUID. */
export const entryKey = (uuid: string, log: string): string => `uuid:${uuid}:${log}`;
export const entryPrefix = (uuid: string): string => `uuid:${uuid}:`;
export const envelopePrefix = (digest: string): string => `envelope:${digest}:`;
export const subjectPrefix = (sha256: string): string => `subject:${sha256}:`;

/**
 * The entry cache: every logged entry by UUID, plus index documents to find
 * entries by envelope digest and by subject SHA-256 digest.
 */
export const entryCacheProjection: Projection<EntryView | EntryRef> = {
  name: ENTRY_CACHE,
  version: 2,
  handles: ['EntryLogged'],
  keysOf: (e: RecordedEvent) => {
    const d = e.data as EntryLogged['data'];
    const subjects = [...new Set(d.subjects.map((s) => s.digest['sha256']).filter((x): x is string => typeof x === 'string'))];
    return [entryKey(d.uuid, d.log), `${envelopePrefix(d.envelopeDigest)}${d.log}`, ...subjects.map((s) => `${subjectPrefix(s)}${d.uuid}:${d.log}`)];
  },
  evolve: (doc, e, key) => {
    const d = e.data as EntryLogged['data'];
    if (key.startsWith('uuid:')) return doc ?? { ...d };
    return doc ?? { uuid: d.uuid, log: d.log };
  },
};
