import { expect } from 'chai';
import { forEachDatabase } from '../support/databases';
import { sleep, useStack } from '../support/stack';
import { get, post } from '../support/http';
import { registerAccount } from '../support/accounts';
import { expectError } from '../support/expect-error';

forEachDatabase((database) =>
  describe(`access token expiry (auth with ACCESS_TOKEN_TTL_SECONDS=1, real processes) [${database}]`, function () {
    this.timeout(60_000);
    const stack = useStack({ database, envFor: { auth: { ACCESS_TOKEN_TTL_SECONDS: '1' } } });
    const url = (p: string) => `${stack().gatewayUrl}${p}`;

    it('announces the configured lifetime in expiresIn', async () => {
      const account = await registerAccount(stack().gatewayUrl);
      const login = await post(url('/api/v1/auth/login'), { email: account.email, password: account.password });
      expect(login.status).to.equal(200);
      expect(login.body.expiresIn).to.equal(1);
    });

    it('rejects an expired access token with 401 everywhere, while its refresh token still rotates', async () => {
      const account = await registerAccount(stack().gatewayUrl);
      await sleep(2_100);
      expectError(await get(url('/api/v1/auth/me'), { token: account.accessToken }), 401, 'UNAUTHORIZED');
      expectError(await get(url(`/api/v1/users/${account.id}`), { token: account.accessToken }), 401, 'UNAUTHORIZED');
      expectError(await get(url('/api/v1/users'), { token: account.accessToken }), 401, 'UNAUTHORIZED');

      const refreshed = await post(url('/api/v1/auth/refresh'), { refreshToken: account.refreshToken });
      expect(refreshed.status, JSON.stringify(refreshed.body)).to.equal(200);
      expect(refreshed.body.expiresIn).to.equal(1);
      expect(refreshed.body.refreshToken).not.to.equal(account.refreshToken);
      // (Using the new access token here would race its one-second lifetime.)
    });
  }),
);
