import type { z } from 'zod';
import { deadlineFor } from '../../../shared/grpc/client';
import { callService } from '../call-service';
import { procedure, protectedProcedure, router } from '../init';
import { loginInput, refreshTokenInput, registerInput } from '../inputs';
import { registerOutput, tokenPairOutput, toTokenPairOutput, toUserOutput, userEnvelopeOutput } from '../outputs';

/** `auth.*`: registration, sessions and the current user. */
export const authRouter = router({
  /** Creates a user (the user service registers the credentials) and returns their first tokens. */
  register: procedure
    .input(registerInput)
    .mutation(async ({ ctx, input }): Promise<z.output<typeof registerOutput>> => {
      const { user } = ctx.clients;
      // The client address, for the user service's registration throttle.
      const res = await callService(ctx, user, user.createUser, input, { clientAddress: ctx.clientAddress });
      return { user: toUserOutput(res.user), ...toTokenPairOutput(res.tokens) };
    }),

  /** Exchanges an email and password for a token pair. */
  login: procedure
    .input(loginInput)
    .mutation(async ({ ctx, input }): Promise<z.output<typeof tokenPairOutput>> => {
      const { auth } = ctx.clients;
      const res = await callService(ctx, auth, auth.login, input, { clientAddress: ctx.clientAddress });
      return toTokenPairOutput(res.tokens);
    }),

  /** Rotates a refresh token. */
  refresh: procedure
    .input(refreshTokenInput)
    .mutation(async ({ ctx, input }): Promise<z.output<typeof tokenPairOutput>> => {
      const { auth } = ctx.clients;
      const res = await callService(ctx, auth, auth.refreshToken, input);
      return toTokenPairOutput(res.tokens);
    }),

  /** Revokes the bearer access token and the given refresh token's family. */
  logout: protectedProcedure.input(refreshTokenInput).mutation(async ({ ctx, input }): Promise<void> => {
    const { auth } = ctx.clients;
    await callService(ctx, auth, auth.logout, input, { token: ctx.token });
  }),

  /** The user the bearer token belongs to. */
  me: protectedProcedure.query(async ({ ctx }): Promise<z.output<typeof userEnvelopeOutput>> => {
    const { auth, user } = ctx.clients;
    // One deadline for both hops: the request as a whole gets GRPC_DEADLINE_MS.
    const options = { deadline: deadlineFor(ctx.config.GRPC_DEADLINE_MS), token: ctx.token };
    const current = await callService(ctx, auth, auth.getCurrentUser, {}, options);
    const res = await callService(ctx, user, user.getUser, { id: current.userId }, options);
    return { user: toUserOutput(res.user) };
  }),
});

/** Input and output schemas of `auth.*`, for the REST layer and the OpenAPI document. */
export const authSchemas = {
  'auth.register': { input: registerInput, output: registerOutput },
  'auth.login': { input: loginInput, output: tokenPairOutput },
  'auth.refresh': { input: refreshTokenInput, output: tokenPairOutput },
  'auth.logout': { input: refreshTokenInput },
  'auth.me': { output: userEnvelopeOutput },
};
