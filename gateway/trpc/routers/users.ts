import type { z } from 'zod';
import { callService } from '../call-service';
import { protectedProcedure, router } from '../init';
import { listUsersInput, updateUserInput, userIdInput } from '../inputs';
import { toUserOutput, toVisibleUserOutput, userEnvelopeOutput, userListOutput, visibleUserEnvelopeOutput } from '../outputs';

// Every user service call but CreateUser needs the caller's token, so all of these are protected.
// What of other users a caller may see (email, role) is the user service's decision: passed on as is.

/** `users.*`: reading and changing user profiles. */
export const usersRouter = router({
  /** A page of users, oldest first. */
  list: protectedProcedure.input(listUsersInput).query(async ({ ctx, input }): Promise<z.output<typeof userListOutput>> => {
    const { user } = ctx.clients;
    const res = await callService(ctx, user, user.listUsers, input, { token: ctx.token });
    return { users: res.users.map(toVisibleUserOutput), total: res.total, limit: input.limit, offset: input.offset };
  }),

  /** One user by id. */
  get: protectedProcedure.input(userIdInput).query(async ({ ctx, input }): Promise<z.output<typeof visibleUserEnvelopeOutput>> => {
    const { user } = ctx.clients;
    const res = await callService(ctx, user, user.getUser, input, { token: ctx.token });
    return { user: toVisibleUserOutput(res.user) };
  }),

  /** Changes a user's name, email or (admins only) role. */
  update: protectedProcedure
    .input(updateUserInput)
    .mutation(async ({ ctx, input }): Promise<z.output<typeof userEnvelopeOutput>> => {
      const { user } = ctx.clients;
      const res = await callService(ctx, user, user.updateUser, input, { token: ctx.token });
      return { user: toUserOutput(res.user) };
    }),

  /** Removes a user with their credentials and tokens. */
  delete: protectedProcedure.input(userIdInput).mutation(async ({ ctx, input }): Promise<void> => {
    const { user } = ctx.clients;
    await callService(ctx, user, user.deleteUser, input, { token: ctx.token });
  }),
});

/** Input and output schemas of `users.*`, for the REST layer and the OpenAPI document. */
export const usersSchemas = {
  'users.list': { input: listUsersInput, output: userListOutput },
  'users.get': { input: userIdInput, output: visibleUserEnvelopeOutput },
  'users.update': { input: updateUserInput, output: userEnvelopeOutput },
  'users.delete': { input: userIdInput },
};
