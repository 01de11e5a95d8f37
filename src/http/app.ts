import { isLoopbackHost } from '../config/config';
import { jsonDeeperThan, MAX_JSON_DEPTH } from '../../domain/shared/json-depth';
import express, { type Express, type Router } from 'express';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { ForbiddenError, UnsupportedMediaTypeError, ValidationError } from '../errors/app-error';
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
  // Every server here binds loopback only (there is no authentication yet), so a request naming
  // another host is a browser led there by DNS rebinding: a web page must not sign with our keys.
  app.use((req, _res, next) => {
    const host = req.headers.host;
    if (host !== undefined && !isLoopbackHost(hostName(host))) {
      next(new ForbiddenError(`requests must name a loopback host (127.0.0.1, [::1] or localhost), not ${JSON.stringify(host.slice(0, 100))}: without authentication this server answers local clients only`, {}, 'host_not_allowed'));
      return;
    }
    next();
  });
  app.use(express.json({ limit: deps.bodyLimit, type: ['application/json', 'application/*+json'] }));
  // JSON nested deeper than any request of ours needs would exhaust the stack later on.
  app.use((req, _res, next) => {
    if (req.body !== undefined && jsonDeeperThan(req.body)) {
      next(new ValidationError(`the JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`, {}, 'json_too_deep'));
      return;
    }
    next();
  });
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


/** The host name of a `Host` header (`[::1]:8080` → `::1`, `LocalHost` → `localhost`); '' when it is not host[:port]. */
function hostName(header: string): string {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::\d{1,5})?$/.exec(header);
  return (m?.[1] ?? m?.[2] ?? '').toLowerCase();
}


