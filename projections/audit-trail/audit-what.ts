import type { RecordedEvent } from '../../domain/events/event';
import type { AuditWhat } from './audit-record';

/**
 * Extracts the "what" of an audit record from the event data of the event
 * types the product knows, by type name only (no import of their modules, so
 * the audit trail never depends on the code that writes the events). Data is
 * read defensively: a field of an unexpected type is left out, never thrown.
 * Unknown event types have an empty "what" (their type and metadata remain).
 */
export function auditWhat(event: RecordedEvent): AuditWhat {
  const d = asRecord(event.data);
  switch (event.type) {
    case 'KeyCreated':
      return what({ keyIds: strings(d['keyId']), outcome: 'created', details: pick(d, ['name', 'provider', 'algorithm', 'origin', 'fingerprint']) });
    case 'KeyVersionActivated':
      return what({ keyIds: strings(d['keyId']), outcome: 'activated', details: pick(d, ['version', 'fingerprint']) });
    case 'KeyRotated':
      return what({ keyIds: strings(d['keyId']), outcome: 'rotated', details: pick(d, ['fromVersion', 'toVersion']) });
    case 'KeyRevoked':
      return what({ keyIds: strings(d['keyId']), outcome: 'revoked', details: pick(d, ['version', 'versions', 'reason', 'effectiveAt']) });
    case 'EnvelopeSigned': {
      const signers = Array.isArray(d['signers']) ? d['signers'].map(asRecord) : [];
      return what({
        subjects: subjectDigests(d['subjects']),
        keyIds: signers.flatMap((s) => strings(s['keyId'])),
        envelopeDigest: str(d['envelopeDigest']),
        outcome: 'signed',
        details: {
          ...pick(d, ['payloadType', 'payloadDigest']),
          signers: signers.map((s) => pick(s, ['keyId', 'keyVersion', 'fingerprint'])),
        },
      });
    }
    case 'SubmissionRequested':
      return what({
        subjects: subjectDigests(d['subjects']),
        envelopeDigest: str(d['envelopeDigest']),
        logs: Array.isArray(d['logs']) ? d['logs'].flatMap((l) => (typeof l === 'string' ? [l] : strings(asRecord(l)['name']))) : strings(d['log']),
        outcome: 'requested',
        details: pick(d, ['submissionId', 'payloadType']),
      });
    case 'SubmissionAttempted':
      return what({ logs: strings(d['log']), outcome: str(d['outcome']) ?? 'attempted', details: pick(d, ['submissionId', 'attempt', 'error', 'nextAttemptAt']) });
    case 'EntryLogged':
      return what({
        subjects: subjectDigests(d['subjects']),
        envelopeDigest: str(d['envelopeDigest']),
        logs: strings(d['log']),
        outcome: 'logged',
        details: pick(d, ['submissionId', 'uuid', 'logIndex', 'integratedTime']),
      });
    case 'SubmissionAbandoned':
      return what({ logs: strings(d['log']), outcome: 'abandoned', details: pick(d, ['submissionId', 'reason']) });
    case 'SubmissionRequeued':
      return what({ logs: strings(d['log']), outcome: 'requeued', details: pick(d, ['submissionId', 'reason']) });
    case 'VerificationPerformed':
      return what({
        subjects: [...subjectDigests(d['subjects']), ...strings(d['subject']).map(normalizeDigest)],
        keyIds: strings(d['keyId']),
        envelopeDigest: str(d['envelopeDigest']),
        outcome: str(d['outcome']),
        details: pick(d, ['policyDigest', 'failedChecks']),
      });
    default:
      return what({});
  }
}

/**
 * The one spelling of a digest in the audit trail and its queries:
 * `<algorithm>:<lower-case hex>`; 64 bare hex characters are taken as SHA-256.
 */
export function normalizeDigest(value: string): string {
  const trimmed = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return `sha256:${trimmed.toLowerCase()}`;
  const colon = trimmed.indexOf(':');
  if (colon > 0) return `${trimmed.slice(0, colon).toLowerCase()}:${trimmed.slice(colon + 1).toLowerCase()}`;
  return trimmed.toLowerCase();
}

function what(parts: Partial<AuditWhat>): AuditWhat {
  return {
    subjects: sortedUnique(parts.subjects ?? []),
    keyIds: sortedUnique(parts.keyIds ?? []),
    envelopeDigest: parts.envelopeDigest ?? null,
    logs: sortedUnique(parts.logs ?? []),
    outcome: parts.outcome ?? null,
    details: parts.details ?? {},
  };
}

/** In-toto subjects (`{name, digest: {alg: hex}}`) or plain digest strings, as normalized digests. */
function subjectDigests(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((s: unknown) => {
    if (typeof s === 'string') return [normalizeDigest(s)];
    const digest = asRecord(asRecord(s)['digest']);
    return Object.entries(digest).flatMap(([alg, hex]) => (typeof hex === 'string' && hex !== '' ? [normalizeDigest(`${alg}:${hex}`)] : []));
  });
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function strings(value: unknown): string[] {
  const s = str(value);
  return s === null ? [] : [s];
}

/** The listed fields that are present, JSON-safe (undefined left out). */
function pick(d: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) if (d[f] !== undefined) out[f] = d[f];
  return out;
}

function sortedUnique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}
