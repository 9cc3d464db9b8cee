import { expect } from 'chai';
import { AppError } from '../../../../shared/errors/app-error';
import { asCallerError, DATABASE_UNAVAILABLE, isDatabaseUnavailable, isPrimaryKeyViolation, isUniqueViolation } from '../../../../shared/db/db-errors';

const pgError = (code: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(`pg ${code}`), { code, ...extra });

describe('shared db: driver errors, whichever the engine', () => {
  it('tells a UNIQUE index violation from a duplicate primary key on SQLite and PostgreSQL', () => {
    expect(isUniqueViolation({ code: 'SQLITE_CONSTRAINT_UNIQUE' })).to.equal(true);
    expect(isPrimaryKeyViolation({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' })).to.equal(true);
    expect(isUniqueViolation(pgError('23505', { constraint: 'credentials_email_unique' }))).to.equal(true);
    expect(isPrimaryKeyViolation(pgError('23505', { constraint: 'credentials_email_unique' }))).to.equal(false);
    expect(isPrimaryKeyViolation(pgError('23505', { constraint: 'credentials_pkey' }))).to.equal(true);
    expect(isUniqueViolation(pgError('23505', { constraint: 'credentials_pkey' }))).to.equal(false);
    expect(isUniqueViolation(pgError('23503'))).to.equal(false); // foreign key
    expect(isUniqueViolation(null)).to.equal(false);
  });

  const unavailable: Array<[string, unknown]> = [
    ['connection refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['pool wait past the connect timeout', new Error('timeout exceeded when trying to connect')],
    ['server closed the connection', new Error('Connection terminated unexpectedly')],
    ['client-side query timeout', new Error('Query read timeout')],
    ['admin shutdown (57P01)', pgError('57P01')],
    ['cannot connect now (57P03)', pgError('57P03')],
    ['statement timeout (57014)', pgError('57014')],
    ['too many connections (53300)', pgError('53300')],
    ['connection failure (08006)', pgError('08006')],
    ['deadlock (40P01)', pgError('40P01')],
    ['SQLite busy past busy_timeout', { code: 'SQLITE_BUSY' }],
  ];
  for (const [what, err] of unavailable) {
    it(`maps ${what} to UNAVAILABLE with a message that says nothing of the driver`, () => {
      expect(isDatabaseUnavailable(err)).to.equal(true);
      const mapped = asCallerError(err);
      expect(mapped).to.be.instanceOf(AppError);
      expect((mapped as AppError).code).to.equal('UNAVAILABLE');
      expect((mapped as AppError).message).to.equal(DATABASE_UNAVAILABLE);
      expect((mapped as AppError).cause).to.equal(err);
    });
  }

  const statementErrors: Array<[string, unknown]> = [
    ['a unique violation', pgError('23505', { constraint: 'users_email_unique' })],
    ['a syntax error (42601)', pgError('42601')],
    ['a check violation (23514)', pgError('23514')],
    ['SQLite constraint', { code: 'SQLITE_CONSTRAINT_UNIQUE' }],
    ['an AppError already', new AppError('NOT_FOUND', 'id: no such user')],
    ['a plain bug', new TypeError('x is undefined')],
  ];
  for (const [what, err] of statementErrors) {
    it(`leaves ${what} as it is`, () => {
      expect(isDatabaseUnavailable(err) && !(err instanceof AppError)).to.equal(false);
      expect(asCallerError(err)).to.equal(err);
    });
  }
});
