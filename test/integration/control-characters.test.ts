import { expect } from 'chai';
import { GOOD_PASSWORD, registerAccount, uniqueEmail } from '../support/accounts';
import { forEachDatabase } from '../support/databases';
import { patch, post } from '../support/http';
import { useStack } from '../support/stack';

// PostgreSQL cannot store NUL in text: a name with one used to get as far as the INSERT and come
// back as a 500. Names with control characters are refused before any service is called.
forEachDatabase((database) =>
  describe(`names with control characters are invalid input, not a server error [${database}]`, function () {
    this.timeout(60_000);
    const stack = useStack({ database });

    it('register and update answer 400 naming the field, for NUL and other controls', async () => {
      const who = await registerAccount(stack().gatewayUrl);
      for (const name of ['a\u0000b', 'esc\u001b[31m', 'tab\there', 'next\u0085line']) {
        const created = await post(`${stack().gatewayUrl}/api/v1/auth/register`, { email: uniqueEmail('ctl'), password: GOOD_PASSWORD, name });
        expect(created.status, JSON.stringify(name)).to.equal(400);
        expect(created.body.error.message).to.equal('name: must not contain control characters');
        const updated = await patch(`${stack().gatewayUrl}/api/v1/users/${who.id}`, { name }, { token: who.accessToken });
        expect(updated.status, JSON.stringify(name)).to.equal(400);
        expect(updated.body.error.message).to.equal('name: must not contain control characters');
      }
      const fine = await patch(`${stack().gatewayUrl}/api/v1/users/${who.id}`, { name: 'Zoë 李 😀' }, { token: who.accessToken });
      expect(fine.status).to.equal(200);
      expect(fine.body.user.name).to.equal('Zoë 李 😀');
    });
  }),
);
