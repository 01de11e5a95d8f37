import express, { type Express, type Router } from 'express';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { UnsupportedMediaTypeError } from '../errors/app-error';
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
  // A body in another format would be silently ignored by the JSON parser: say so instead.
  app.use((req, _res, next) => {
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (hasBody && !req.is(['application/json', 'application/*+json'])) {
      next(new UnsupportedMediaTypeError(`send the request body as application/json (got ${req.headers['content-type'] ?? 'no content type'})`));
      return;
    }
    next();
  });
  for (const router of deps.routers) app.use(router);
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
