import express, { type Express, type Router } from 'express';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { errorHandler, notFound } from './problem';
import { requestContext } from './request-context';

/**
 * The express app: request ids and metrics first, JSON bodies up to the limit,
 * the routers, then one 404 and one error handler that answer problem+json.
 */
export function createApp(deps: { logger: Logger; metrics: Metrics; bodyLimit: string; routers: readonly Router[] }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestContext(deps.logger, deps.metrics));
  app.use(express.json({ limit: deps.bodyLimit, type: ['application/json', 'application/*+json'] }));
  for (const router of deps.routers) app.use(router);
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
