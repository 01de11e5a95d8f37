import type { NewEvent, StreamName } from '../../domain/events/event';
import { ValidationError } from '../../src/errors/app-error';

// Lowercase only: EventStoreDB returns ids in lowercase and the hash chain covers the id.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TYPE = /^[A-Z][A-Za-z0-9]*$/;
const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;

/**
 * Checks, before anything is written, what every event store must refuse: the
 * same rules for both adapters so they stay interchangeable.
 */
export function validateNewEvents(stream: StreamName, events: readonly NewEvent[]): void {
  if (typeof stream !== 'string' || stream.length === 0 || stream.length > 256) {
    throw new ValidationError('stream name must be a non-empty string of at most 256 characters');
  }
  if (events.length === 0) throw new ValidationError(`append to ${stream}: give at least one event`);
  const seen = new Set<string>();
  for (const [i, e] of events.entries()) {
    const where = `append to ${stream}, event ${i}`;
    if (!UUID.test(e.id)) throw new ValidationError(`${where}: id must be a lowercase UUID, got ${JSON.stringify(e.id)}`);
    if (seen.has(e.id)) throw new ValidationError(`${where}: id ${e.id} appears twice in one append`);
    seen.add(e.id);
    if (!TYPE.test(e.type)) throw new ValidationError(`${where}: type must be a PascalCase name such as KeyRotated`);
    if (!Number.isInteger(e.schemaVersion) || e.schemaVersion < 1) {
      throw new ValidationError(`${where}: schemaVersion must be a positive integer`);
    }
    if (e.data === undefined || !isJson(e.data)) throw new ValidationError(`${where}: data must be plain JSON`);
    const m = e.metadata;
    if (!m || typeof m.tenant !== 'string' || m.tenant === '') throw new ValidationError(`${where}: metadata.tenant is required`);
    if (typeof m.actor !== 'string' || m.actor === '') throw new ValidationError(`${where}: metadata.actor is required`);
    if (typeof m.correlationId !== 'string' || m.correlationId === '') {
      throw new ValidationError(`${where}: metadata.correlationId is required`);
    }
    if (m.causationId !== null && typeof m.causationId !== 'string') {
      throw new ValidationError(`${where}: metadata.causationId must be a string or null`);
    }
    if (typeof m.occurredAt !== 'string' || !RFC3339_UTC.test(m.occurredAt)) {
      throw new ValidationError(`${where}: metadata.occurredAt must be an RFC 3339 UTC timestamp`);
    }
  }
}

function isJson(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      if (value === null) return true;
      if (Array.isArray(value)) return value.every(isJson);
      if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return false;
      return Object.values(value).every((v) => v !== undefined && isJson(v));
    default:
      return false;
  }
}
