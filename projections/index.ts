import { auditTrailProjection } from './audit-trail/audit-trail.projection';
import { keyRegistryProjection } from './key-registry/key-registry.projection';
import { entryCacheProjection } from './entry-cache/entry-cache.projection';
import type { Projection } from './projection';
import { submissionsProjection } from './submissions/submissions.projection';
import { trustStateProjection } from './trust-state/trust-state.projection';

/** Every read model the service keeps. Add a projection here to have it run and rebuild. */
export const allProjections: readonly Projection[] = [auditTrailProjection, keyRegistryProjection, submissionsProjection, entryCacheProjection, trustStateProjection];
