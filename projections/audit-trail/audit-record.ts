/** One line of the audit trail: who did what, when, and why (the causal chain). */
export interface AuditRecord {
  // where: the event's place in the ledger
  readonly position: string;
  readonly eventId: string;
  readonly stream: string;
  readonly revision: string;
  /** SHA-256 of the stored event (its link in the stream's hash chain). */
  readonly hash: string;
  // who
  readonly tenant: string;
  readonly actor: string;
  // when
  readonly occurredAt: string;
  // why: the causal chain
  readonly correlationId: string;
  readonly causationId: string | null;
  // what
  readonly type: string;
  /** The schema version the projection folded (after upcasting; see migrations/events/). */
  readonly schemaVersion: number;
  /** Digests of the artifacts the event is about, as `<algorithm>:<lower-case hex>`, sorted. */
  readonly subjects: readonly string[];
  /** Keys involved (the key of a key event; every signer of an envelope), sorted. */
  readonly keyIds: readonly string[];
  /** Hex SHA-256 of the DSSE envelope the event is about, if any. */
  readonly envelopeDigest: string | null;
  /** Transparency logs involved (by configured name), sorted. */
  readonly logs: readonly string[];
  /** How it ended, for events that have an outcome: `signed`, `logged`, `failed`, `rejected`, `abandoned`, `revoked`, a verification outcome… */
  readonly outcome: string | null;
  /** A few type-specific facts (key versions, log index, reason, failed checks…), plain JSON. */
  readonly details: Readonly<Record<string, unknown>>;
}

/** What an event says it is about: the "what" part of its audit record. */
export type AuditWhat = Pick<AuditRecord, 'subjects' | 'keyIds' | 'envelopeDigest' | 'logs' | 'outcome' | 'details'>;

/** An index document: points at the audit record at `position` (the key's last segment). */
export interface AuditIndexEntry {
  readonly position: string;
}
