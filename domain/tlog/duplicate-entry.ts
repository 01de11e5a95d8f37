/**
 * Rekor v2 (rekor-tiles) answers a duplicate submission with 409 Conflict and
 * the existing entry's index in this response header, not the entry itself
 * (sigstore/rekor-tiles internal/server/service.go, `duplicateEntryHeader`).
 */
export const DUPLICATE_INDEX_HEADER = 'x-log-index';
