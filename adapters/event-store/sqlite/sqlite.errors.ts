import { ConflictError, UnavailableError } from '../../../src/errors/app-error';

/**
 * SQLite's errors as the port's: an event id already stored elsewhere is a
 * conflict (409), a busy, full, read-only or failing disk is the store being
 * unavailable (503) — as the EventStoreDB adapter answers — never a raw 500.
 * Anything else is a bug and passes through.
 */
export function toStoreError(error: unknown): Error {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return error instanceof Error ? error : new Error(String(error));
  if (code.startsWith('SQLITE_CONSTRAINT') && /events\.id/.test(String((error as Error).message))) {
    return new ConflictError('an event with one of these ids is already stored in another stream or place: give new events new ids', {}, 'duplicate_event_id');
  }
  if (/^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN|READONLY|PROTOCOL|NOMEM)/.test(code)) {
    return new UnavailableError(`the event store cannot be written or read now (${code})`, 5, {}, 'event_store_unavailable', error);
  }
  return error instanceof Error ? error : new Error(String(error));
}

export function closedStoreError(): UnavailableError {
  return new UnavailableError('the event store is closed', 5, {}, 'event_store_unavailable');
}
