/** One line of the audit trail: who did what, when, and why (the causal chain). */
export interface AuditRecord {
  readonly position: string;
  readonly eventId: string;
  readonly stream: string;
  readonly revision: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly tenant: string;
  readonly actor: string;
  readonly occurredAt: string;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly hash: string;
}
