import { auditTrailProjection } from './audit-trail/audit-trail.projection';
import { keyRegistryProjection } from './key-registry/key-registry.projection';
import type { Projection } from './projection';

/** Every read model the service keeps. Add a projection here to have it run and rebuild. */
export const allProjections: readonly Projection[] = [auditTrailProjection, keyRegistryProjection];
