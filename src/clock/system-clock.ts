import type { Clock } from '../../domain/shared/clock';

export class SystemClock implements Clock {
  now(): string {
    return new Date().toISOString();
  }
}
