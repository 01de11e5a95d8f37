import { randomUUID } from 'node:crypto';
import type { EventContext, EventId, NewEvent, StreamName } from '../../domain/events/event';
import { streamName } from '../../domain/events/stream-name';

export const testContext: EventContext = {
  tenant: 'acme',
  actor: 'user:alice',
  correlationId: 'corr-1',
  causationId: null,
  occurredAt: '2026-03-03T14:00:00.000Z',
};

export function anEvent(type = 'ThingHappened', data: unknown = { n: 1 }, context: Partial<EventContext> = {}): NewEvent {
  return { id: randomUUID() as EventId, type, schemaVersion: 1, data, metadata: { ...testContext, ...context } };
}

export function someEvents(n: number, type = 'ThingHappened'): NewEvent[] {
  return Array.from({ length: n }, (_, i) => anEvent(type, { n: i }));
}

/** A stream name no other test uses, so contract tests can share one store. */
export function aStream(category = 'thing'): StreamName {
  return streamName(category, randomUUID());
}
