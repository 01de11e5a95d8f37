import { DomainError } from '../../domain/shared/domain-error';
import { ConflictError, NotFoundError, ValidationError } from './app-error';

/** Maps a domain error to the service-wide category with the same code, message and details; anything else passes through. */
export function toAppError(error: unknown): unknown {
  if (!(error instanceof DomainError)) return error;
  const details = { ...error.details };
  switch (error.kind) {
    case 'invalid':
      return new ValidationError(error.message, details, error.code);
    case 'not_found':
      return new NotFoundError(error.message, details, error.code);
    case 'conflict':
      return new ConflictError(error.message, details, error.code);
    default: {
      const unhandled: never = error.kind;
      return unhandled;
    }
  }
}

/** Runs `work`, translating domain errors at the application boundary. */
export async function translatingDomainErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toAppError(error);
  }
}
