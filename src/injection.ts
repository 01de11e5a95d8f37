// tsyringe reads constructor parameter metadata when a class is decorated, so the
// Reflect polyfill must load first: every injectable class imports from here.
import 'reflect-metadata';
import { container, type DependencyContainer } from 'tsyringe';
import { CLOCK, type Clock } from './ports/clock';
import { EVENT_STORE, type EventStore } from './ports/event-store';

export { inject, injectable, type DependencyContainer } from 'tsyringe';

/**
 * A new child container holding the two ports every part of the service needs
 * (the event store and the clock). The composition root and each CLI command
 * make one and let the `build*` functions register their adapters in it;
 * services are resolved from it by constructor injection. A child, so several
 * services (tests) can live in one process.
 */
export function containerWith(store: EventStore, clock: Clock): DependencyContainer {
  const child = container.createChildContainer();
  child.registerInstance(EVENT_STORE, store);
  child.registerInstance(CLOCK, clock);
  return child;
}
