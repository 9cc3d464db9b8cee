import type { RequestHandler } from 'express';

/**
 * The headers every gateway response carries, whatever answers it (REST, tRPC, health, the
 * OpenAPI document, a 404 or an error):
 *  - `X-Content-Type-Options: nosniff`: a browser takes the Content-Type as given and never sniffs
 *    a JSON body (which may echo caller input) into HTML or script.
 *  - `Cache-Control: no-store` with `Pragma: no-cache` (for HTTP/1.0 caches): no cache, shared or
 *    private, keeps any response. RFC 6749 §5.1 requires it of token responses (register, login,
 *    refresh); every other API answer is data behind a bearer token or an error about one, and
 *    `/health` and `/ready` must report the state of now. `private` alone would still let a
 *    browser keep a user's data on disk after logout, and nothing here is worth caching. One rule
 *    for every response means a route added later cannot forget it. `Vary: Authorization` is not
 *    sent: it only chooses between stored responses, and none is stored.
 */
export const RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
};

/** Sets {@link RESPONSE_HEADERS} before anything else can answer; the first middleware of the app. */
export const responseHeaders: RequestHandler = (_req, res, next) => {
  res.set(RESPONSE_HEADERS);
  next();
};
