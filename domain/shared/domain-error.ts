/**
 * The base of every domain error. The domain cannot know about HTTP, so an
 * error says what kind of failure it is; the application layer maps kinds to
 * statuses (`src/errors/domain-errors.ts`): invalid → 400, not_found → 404,
 * conflict → 409.
 */
export type DomainErrorKind = 'invalid' | 'not_found' | 'conflict';

export abstract class DomainError extends Error {
  abstract readonly code: string;
  abstract readonly kind: DomainErrorKind;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}
