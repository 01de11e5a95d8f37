import { randomUUID } from 'node:crypto';
import type { EventContext, EventId, NewEvent } from '../../domain/events/event';

/** Who asks and why; the service adds `occurredAt` from its clock. */
export interface CommandContext {
  readonly tenant?: string;
  readonly actor?: string;
  readonly correlationId?: string;
  readonly causationId?: string | null;
}

export function eventContext(ctx: CommandContext, occurredAt: string): EventContext {
  return {
    tenant: ctx.tenant ?? 'default',
    actor: ctx.actor ?? 'system',
    correlationId: ctx.correlationId ?? randomUUID(),
    causationId: ctx.causationId ?? null,
    occurredAt,
  };
}

export function newEvent<T extends string, D>(event: { readonly type: T; readonly data: D }, schemaVersion: number, metadata: EventContext): NewEvent<T, D> {
  return { id: randomUUID() as EventId, type: event.type, schemaVersion, data: event.data, metadata };
}
