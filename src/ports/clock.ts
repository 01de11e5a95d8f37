export type { Clock } from '../../domain/shared/clock';

/** Injection token of the Clock port (domain/shared/clock): events take their time from it, never from Date.now. */
export const CLOCK = Symbol('Clock');
