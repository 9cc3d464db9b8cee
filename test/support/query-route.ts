import type { RestRoute } from '../../gateway/rest/routes';

/**
 * A REST row onto `users.list` whose query names a string, an enum, a boolean and a whole number:
 * the tests give `users.list` an input schema of those kinds to see each one read and documented.
 */
export const QUERY_KINDS_ROUTE: RestRoute = {
  method: 'get',
  path: '/api/v1/things',
  procedure: 'users.list',
  input: { query: ['prefix', 'role', 'active', 'limit'] },
  status: 200,
  summary: 'things',
  protected: true,
};
