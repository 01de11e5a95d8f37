import type { EntryLogged } from '../../domain/attestations/submission.events';

/** `{uuid, index, proof}` of one logged envelope, with what to find it by. */
export type EntryView = Omit<EntryLogged['data'], 'loggedAt'> & { readonly loggedAt: string };

/** An index document pointing at an entry. */
export interface EntryRef {
  readonly uuid: string;
  readonly log: string;
}
