import type { Request } from 'express';

/** The pattern of the route that took a request (`/api/v1/users/:id`), or undefined when none did. */
export function routePattern(req: Request): string | undefined {
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  return typeof pattern === 'string' ? req.baseUrl + pattern : undefined;
}
