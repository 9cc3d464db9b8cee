import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../shared/paths';
import { RESPONSE_HEADERS } from '../response-headers';
import { procedureSchemas, type ProcedurePath, type ProcedureSchemas } from '../trpc/app-router';
import { JSON_BODY_LIMIT_BYTES } from '../request-text/json-body';
import { toJsonSchema, type JsonSchema } from './json-schema';
import { queryParameters } from './query-parameters';
import { restRoutes, type RestRoute } from './routes';

/** The OpenAPI 3.1 document `/openapi.json` serves. */
export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components: Record<string, Record<string, unknown>>;
}

const ERROR_REF = { $ref: '#/components/schemas/Error' };

// What each header of gateway/response-headers.ts means, for the document.
const HEADER_DESCRIPTIONS: Record<string, string> = {
  'X-Content-Type-Options': 'The Content-Type is authoritative; a browser never sniffs the body.',
  'Cache-Control': 'No cache, shared or private, may store any response (tokens, per-user data).',
  Pragma: 'The same, for HTTP/1.0 caches.',
};

/** `components.headers`: the headers every response carries, and Retry-After. */
function headerComponents(): Record<string, unknown> {
  const components: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(RESPONSE_HEADERS)) {
    components[name] = { description: HEADER_DESCRIPTIONS[name] ?? name, required: true, schema: { type: 'string', enum: [value] } };
  }
  components['Retry-After'] = {
    description: 'Seconds to wait before trying again.',
    required: true,
    schema: { type: 'string', pattern: '^[1-9][0-9]*$' },
  };
  return components;
}

/** The `headers` of a response with `status`: the common ones, and Retry-After on a 429. */
function responseHeaders(status: number): Record<string, unknown> {
  const headers: Record<string, unknown> = {};
  for (const name of Object.keys(RESPONSE_HEADERS)) headers[name] = { $ref: `#/components/headers/${name}` };
  if (status === 429) headers['Retry-After'] = { $ref: '#/components/headers/Retry-After' };
  return headers;
}

const errorResponse = (status: number, description: string) => ({
  description,
  headers: responseHeaders(status),
  content: { 'application/json': { schema: ERROR_REF } },
});

/** `/api/v1/users/:id` -> `/api/v1/users/{id}`. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/**
 * Every error status an operation can answer, in order, with what it means: the ones its kind
 * implies (input, bearer token, body; every operation can meet an internal error, an unavailable
 * service or a timeout) and its own from the table. Every status the code can send is listed, so
 * the document has no catch-all `default`.
 */
export function errorStatuses(route: RestRoute, hasInput: boolean): Array<[number, string]> {
  const statuses = new Map<number, string>();
  if (hasInput) statuses.set(400, 'Invalid input, or text (body, path, query) that is not UTF-8; the message names the field.');
  if (route.protected) statuses.set(401, 'Missing, invalid, expired or logged-out bearer token.');
  for (const [status, description] of Object.entries(route.errors ?? {})) statuses.set(Number(status), description);
  if (route.input.body) {
    statuses.set(413, `Body larger than ${JSON_BODY_LIMIT_BYTES} bytes.`);
    statuses.set(415, 'Body is not JSON: send it as Content-Type application/json.');
  }
  statuses.set(500, 'Internal error; the details are only in the logs.');
  statuses.set(503, 'A service or its database is unavailable.');
  statuses.set(504, 'A service did not answer within the deadline.');
  return [...statuses].sort(([a], [b]) => a - b);
}

/** The OpenAPI operation of one table row, whose procedure has `schemas`. */
function operationFor(route: RestRoute, schemas: ProcedureSchemas): Record<string, unknown> {
  const input = schemas.input ? toJsonSchema(schemas.input, 'input') : { properties: {} };
  const properties = input.properties ?? {};
  const required = new Set(input.required ?? []);
  const parameters: Record<string, unknown>[] = [];
  for (const name of route.input.params ?? []) {
    parameters.push({ name, in: 'path', required: true, schema: properties[name] ?? { type: 'string' } });
  }
  for (const { name, required: needed, schema } of queryParameters(route, schemas.input)) {
    parameters.push({ name, in: 'query', required: needed, schema });
  }

  const operation: Record<string, unknown> = {
    operationId: route.procedure.replace(/\.(\w)/g, (_m, c: string) => c.toUpperCase()),
    summary: route.summary,
    tags: [route.procedure.split('.')[0]],
    description: `tRPC procedure \`${route.procedure}\`.`,
  };
  if (parameters.length) operation.parameters = parameters;

  if (route.input.body) {
    const elsewhere = new Set([...(route.input.params ?? []), ...(route.input.query ?? [])]);
    const bodyProperties = Object.fromEntries(Object.entries(properties).filter(([name]) => !elsewhere.has(name)));
    const bodyRequired = [...required].filter((name) => !elsewhere.has(name));
    const body: JsonSchema = { ...input, properties: bodyProperties };
    if (bodyRequired.length) body.required = bodyRequired;
    else delete body.required;
    const media: Record<string, unknown> = { schema: body };
    if (route.example) media.example = route.example;
    operation.requestBody = { required: bodyRequired.length > 0, content: { 'application/json': media } };
  }

  const responses: Record<string, unknown> = {};
  responses[String(route.status)] =
    route.status === 204 || !schemas.output
      ? { description: 'Done; no body.', headers: responseHeaders(route.status) }
      : {
          description: 'Success.',
          headers: responseHeaders(route.status),
          content: { 'application/json': { schema: toJsonSchema(schemas.output, 'output') } },
        };
  for (const [status, description] of errorStatuses(route, schemas.input !== undefined)) {
    responses[String(status)] = errorResponse(status, description);
  }
  operation.responses = responses;

  if (route.protected) operation.security = [{ bearerAuth: [] }];
  return operation;
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/**
 * Builds the OpenAPI 3.1 document of the REST table (`routes`) from the procedures' own zod
 * schemas (`schemas`); by default the gateway's.
 */
export function buildOpenApiDocument(
  routes: readonly RestRoute[] = restRoutes,
  schemas: Readonly<Record<ProcedurePath, ProcedureSchemas>> = procedureSchemas,
): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) {
    const item = (paths[openApiPath(route.path)] ??= {});
    item[route.method] = operationFor(route, schemas[route.procedure]);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Gateway REST API',
      version: packageVersion(),
      description: 'REST view of the gateway tRPC procedures (also served at /trpc).',
    },
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      headers: headerComponents(),
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string', description: 'tRPC error code, e.g. BAD_REQUEST, UNAUTHORIZED, CONFLICT' },
                message: { type: 'string', description: 'Safe to show; input errors start with the field name.' },
              },
            },
          },
        },
      },
    },
  };
}
