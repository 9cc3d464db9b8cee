// Adding an RPC as docs/extending.md says, in a throwaway copy of the repository:
// user.v1.UserService/SearchUsers as tRPC `users.search` and REST
// `GET /api/v1/users/search?prefix=&orderBy=&descending=` (a string, an enum and a boolean query
// parameter). Only the files the guide lists are edited by hand, `npm run gen` regenerates gen/, and
// the suites that cover every RPC and route (the gRPC fuzz suite, the response headers, the OpenAPI
// document, the REST router) pass there without a line changed. A new RPC that needs one more file,
// or a test edited, fails here.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { GOOD_PASSWORD } from '../support/accounts';
import { get, post } from '../support/http';
import { runBash } from '../support/npm-start';
import { changedFiles, copyRepository, snapshot } from '../support/repository-copy';
import type { Stack } from '../support/stack';

/** The one occurrence of `anchor` in `text` (of `file`), or an error saying the edit needs updating. */
function indexOnce(file: string, text: string, anchor: string): number {
  const at = text.indexOf(anchor);
  if (at < 0 || text.indexOf(anchor, at + 1) >= 0) throw new Error(`${file}: ${JSON.stringify(anchor)} is not in it exactly once; update this test's edit to the file's new shape`);
  return at;
}

/** `text` with `insertion` placed before (or after) the one occurrence of `anchor`. */
function insert(file: string, text: string, anchor: string, insertion: string, where: 'before' | 'after' = 'before'): string {
  const at = indexOnce(file, text, anchor);
  const index = where === 'before' ? at : at + anchor.length;
  return text.slice(0, index) + insertion + text.slice(index);
}

/** `text` with the one occurrence of `anchor` replaced by `replacement`. */
function replace(file: string, text: string, anchor: string, replacement: string): string {
  const at = indexOnce(file, text, anchor);
  return text.slice(0, at) + replacement + text.slice(at + anchor.length);
}

/** The hand edits, file by file: each what docs/extending.md tells a newcomer to write. */
const EDITS: Record<string, (text: string, file: string) => string> = {
  'proto/user/v1/user.proto': (text, file) =>
    insert(
      file,
      text,
      '\n}\n\n// User is a profile.',
      `
  // SearchUsers returns up to 20 users whose name starts with a prefix, in any case (email and
  // role as ListUsers gives them).
  rpc SearchUsers(SearchUsersRequest) returns (SearchUsersResponse) {
    option idempotency_level = NO_SIDE_EFFECTS;
  }`,
    ) +
    `
message SearchUsersRequest {
  string prefix = 1;
  // "name" (when absent) or "created".
  optional string order_by = 2;
  bool descending = 3;
}

message SearchUsersResponse {
  repeated User users = 1;
}
`,
  'services/user/user-handlers.ts': (text, file) => {
    const withInput = insert(
      file,
      text,
      '\nconst notFound = ',
      `const searchInput = z.object({
  prefix: fields.name,
  orderBy: z.enum(['name', 'created'], { message: 'must be "name" or "created"' }).optional(),
  descending: z.boolean(),
});
`,
    );
    return insert(
      file,
      withInput,
      '\n  };\n}\n\n/** The UserService implementation',
      `

    async searchUsers(request, ctx) {
      const caller = callerOf(ctx);
      const { prefix, orderBy, descending } = parseOrThrow(searchInput, request);
      const rows = await users.search(prefix, orderBy ?? 'name', descending);
      return { users: rows.map((row) => visibleTo(caller, toUser(row))) };
    },`,
    );
  },
  'services/user/user-repository.ts': (text, file) =>
    insert(
      file,
      replace(file, text, "import type { Kysely } from 'kysely';", "import { sql, type Kysely } from 'kysely';"),
      '    return { rows, total: Number(total) };\n  }\n',
      `
  /** Up to 20 registered users whose name starts with \`prefix\` (in any case), by name or by creation. */
  async search(prefix: string, orderBy: 'name' | 'created', descending: boolean): Promise<UserRow[]> {
    const pattern = \`\${prefix.toLowerCase().replace(/[\\\\%_]/g, (c) => \`\\\\\${c}\`)}%\`;
    return this.db
      .selectFrom('users')
      .selectAll()
      .where('status', '=', 'active')
      .where(sql<boolean>\`lower(name) like \${pattern} escape '\\\\'\`)
      .orderBy(orderBy === 'name' ? sql\`lower(name)\` : sql.ref('created_at'), descending ? 'desc' : 'asc')
      .orderBy('id')
      .limit(20)
      .execute();
  }
`,
      'after',
    ),
  'gateway/trpc/routers/users.ts': (text, file) => {
    let edited = replace(file, text, "import type { z } from 'zod';", "import { z } from 'zod';\nimport { name } from '../../../shared/validation/schemas';");
    edited = insert(file, edited, " } from '../outputs';", ', visibleUserOutput');
    edited = insert(
      file,
      edited,
      '/** `users.*`: reading and changing user profiles. */',
      `/** \`users.search\`: a name prefix, and the order. */
export const searchUsersInput = z.object({
  prefix: name,
  orderBy: z.enum(['name', 'created'], { message: 'must be "name" or "created"' }).optional(),
  descending: z.boolean().default(false),
});

/** \`users.search\`. */
export const userSearchOutput = z.object({ users: z.array(visibleUserOutput) });

`,
    );
    edited = insert(
      file,
      edited,
      '\n});\n\n/** Input and output schemas of `users.*`',
      `

  /** Users whose name starts with a prefix. */
  search: protectedProcedure.input(searchUsersInput).query(async ({ ctx, input }): Promise<z.output<typeof userSearchOutput>> => {
    const { user } = ctx.clients;
    const res = await callService(ctx, user, user.searchUsers, input, { token: ctx.token });
    return { users: res.users.map(toVisibleUserOutput) };
  }),`,
    );
    return insert(file, edited, "  'users.delete': { input: userIdInput },\n", "  'users.search': { input: searchUsersInput, output: userSearchOutput },\n", 'after');
  },
  'gateway/rest/routes.ts': (text, file) =>
    insert(
      file,
      text,
      '\n];\n',
      `
  {
    method: 'get',
    path: '/api/v1/users/search',
    procedure: 'users.search',
    input: { query: ['prefix', 'orderBy', 'descending'] },
    status: 200,
    summary: 'Users whose name starts with a prefix',
    protected: true,
  },`,
    ),
};

// What docs/extending.md promises an RPC costs by hand, at most.
const MOST_FILES = 5;

// The suites that iterate every RPC, procedure and route; they run in the copy unchanged.
const SUITES = [
  'test/unit/gateway',
  'test/fuzz/grpc-fuzz.test.ts',
  'test/integration/response-headers.test.ts',
  'test/integration/authenticated-by-default.test.ts',
  'test/integration/rest-users.test.ts',
];

describe('adding an RPC with string, enum and boolean query parameters, as docs/extending.md says, in a throwaway copy', function () {
  this.timeout(15 * 60_000);
  let copy: string;
  let env: NodeJS.ProcessEnv;
  let original: Map<string, string>;
  const run = async (script: string) => {
    const { code, stdout, stderr } = await runBash(script, copy, env);
    return { code, output: `${stdout}${stderr}` };
  };

  before(() => {
    copy = fs.mkdtempSync(path.join(os.tmpdir(), 'add-rpc-'));
    copyRepository(copy);
    // The copy's suite chooses its own ports; nothing of this run's leaks into it.
    env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(OTEL_|TRACING_|JAEGER_|MOCHA)/.test(key)));
    original = snapshot(copy);
    for (const [file, edit] of Object.entries(EDITS)) {
      const full = path.join(copy, file);
      fs.writeFileSync(full, edit(fs.readFileSync(full, 'utf8'), file));
    }
  });

  after(() => {
    if (copy) fs.rmSync(copy, { recursive: true, force: true });
  });

  it(`edits at most ${MOST_FILES} files by hand, none of them a test; npm run gen regenerates gen/, and buf lint and the type check pass`, async () => {
    expect(Object.keys(EDITS)).to.have.length.at.most(MOST_FILES);
    expect(Object.keys(EDITS).filter((f) => f.startsWith('test/'))).to.deep.equal([]);
    const generated = await run('set -euo pipefail\nnpm run --silent gen\nnpm run --silent lint:proto\nnpm run --silent build');
    expect(generated.code, generated.output.slice(-4000)).to.equal(0);
    const changed = changedFiles(original, snapshot(copy));
    expect(changed.filter((f) => !f.startsWith('gen/'))).to.deep.equal(Object.keys(EDITS).sort());
    expect(changed).to.include('gen/user/v1/user.ts');
  });

  it('passes the suites that cover every RPC and route, unchanged: fuzz, response headers, authentication, OpenAPI, REST', async () => {
    const tested = await run(`bash scripts/node.sh node dist/scripts/test.js ${SUITES.join(' ')}`);
    const summary = /^(\d+) passed, (\d+) failed$/m.exec(tested.output);
    expect(summary, tested.output.slice(-6000)).to.not.equal(null);
    expect(Number(summary![2]), tested.output.slice(-6000)).to.equal(0);
    expect(tested.output).to.include('user.v1.UserService/SearchUsers');
  });

  describe('the new route, on a stack of the copy', () => {
    let stack: Stack;
    let token: string;
    const prefix = `Srch${crypto.randomUUID().slice(0, 8)}`;
    const names = [`${prefix} b`, `${prefix.toLowerCase()} a`];
    const search = (query: string) => get(`${stack.gatewayUrl}/api/v1/users/search?${query}`, { token });
    const found = async (query: string) => {
      const res = await search(query);
      expect(res.status, `${query}: ${JSON.stringify(res.body)}`).to.equal(200);
      return (res.body.users as Array<{ name: string; email?: string }>).map((u) => u.name);
    };

    before(async () => {
      const { startStack } = require(path.join(copy, 'dist/test/support/stack.js')) as typeof import('../support/stack');
      stack = await startStack({ sharedTracing: false });
      for (const name of names) {
        const res = await post(`${stack.gatewayUrl}/api/v1/auth/register`, { email: `${crypto.randomUUID()}@example.com`, password: GOOD_PASSWORD, name });
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        token = res.body.accessToken as string;
      }
    });

    after(async () => {
      await stack?.stop();
    });

    it('finds users by name prefix in any case, ordered as asked; "false" is false', async () => {
      expect(await found(`prefix=${prefix.toUpperCase()}`)).to.deep.equal([names[1], names[0]]);
      expect(await found(`prefix=${prefix}&orderBy=created`)).to.deep.equal(names);
      expect(await found(`prefix=${prefix}&orderBy=created&descending=true`)).to.deep.equal([names[1], names[0]]);
      expect(await found(`prefix=${prefix}&orderBy=created&descending=false`)).to.deep.equal(names);
      expect(await found('prefix=%25')).to.deep.equal([]);
      const other = (await search(`prefix=${prefix}`)).body.users.find((u: { name: string }) => u.name === names[0]);
      expect(other, 'another user, as ListUsers shows them: no email').to.not.have.property('email');
    });

    for (const [query, message] of [
      ['descending=maybe', 'descending: must be true or false'],
      ['orderBy=size', 'orderBy: must be "name" or "created"'],
      ['prefix=', 'prefix: must not be empty'],
      ['', /^prefix: /],
    ] as const) {
      it(`answers ?${query} with 400 naming the parameter`, async () => {
        const res = await search(query.startsWith('prefix') || query === '' ? query : `prefix=x&${query}`);
        expect(res.status, JSON.stringify(res.body)).to.equal(400);
        if (typeof message === 'string') expect(res.body.error.message).to.equal(message);
        else expect(res.body.error.message).to.match(message);
      });
    }

    it('answers over tRPC the same, and documents the parameters in /openapi.json with their types', async () => {
      const trpc = await get(`${stack.gatewayUrl}/trpc/users.search?input=${encodeURIComponent(JSON.stringify({ prefix }))}`, { token });
      expect(trpc.status).to.equal(200);
      expect(trpc.body.result.data.users.map((u: { name: string }) => u.name)).to.deep.equal([names[1], names[0]]);
      const doc = await get(`${stack.gatewayUrl}/openapi.json`);
      const parameters = doc.body.paths['/api/v1/users/search'].get.parameters as Array<{ name: string; required: boolean; schema: Record<string, unknown> }>;
      const byName = Object.fromEntries(parameters.map((p) => [p.name, p]));
      expect(byName.prefix).to.deep.include({ required: true });
      expect(byName.prefix!.schema).to.include({ type: 'string', minLength: 1 });
      expect(byName.orderBy!.schema).to.deep.include({ enum: ['name', 'created'] });
      expect(byName.descending!.schema).to.include({ type: 'boolean', default: false });
    });
  });
});
