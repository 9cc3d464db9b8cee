import { status } from '@grpc/grpc-js';
import { expect } from 'chai';
import { AuthServiceService } from '../../../../gen/auth/v1/auth';
import { UserServiceService } from '../../../../gen/user/v1/user';
import { FaultSyntaxError, parseFaults } from '../../../../shared/faults/fault-rules';
import { contractMethodPaths } from '../../../../shared/contracts';

const parse = (text: string) => parseFaults(text, contractMethodPaths());
const failure = (text: string): string => {
  try {
    parse(text);
  } catch (err) {
    expect(err).to.be.instanceOf(FaultSyntaxError);
    return (err as Error).message;
  }
  throw new Error(`"${text}" parsed`);
};

describe('FAULTS parser', () => {
  it('knows every method of the contracts, read from gen/descriptors.binpb rather than listed', () => {
    const generated = [UserServiceService, AuthServiceService].flatMap((d) => Object.values(d).map((m) => m.path.slice(1)));
    expect(contractMethodPaths()).to.include.members(generated);
    expect(contractMethodPaths().every((m) => /^\w+\.v\d+\.\w+Service\/\w+$/.test(m))).to.equal(true);
  });

  it('knows a method only through the contracts it is given', () => {
    expect(() => parseFaults('user.v1.UserService/GetUser:delay=1ms', ['inventory.v1.InventoryService/GetInventory'])).to.throw(
      FaultSyntaxError,
      '"user.v1.UserService/GetUser" is not a method of this project (one of inventory.v1.InventoryService/GetInventory)',
    );
  });

  it("parses the issue's example: a fixed delay, and an error with a probability", () => {
    const plan = parse('auth.v1.AuthService/ValidateToken:delay=150ms;user.v1.UserService/GetUser:error=UNAVAILABLE@0.2');
    expect([...plan.keys()]).to.deep.equal(['auth.v1.AuthService/ValidateToken', 'user.v1.UserService/GetUser']);
    expect(plan.get('auth.v1.AuthService/ValidateToken')).to.deep.equal({
      method: 'auth.v1.AuthService/ValidateToken',
      delay: { minMs: 150, maxMs: 150, probability: 1 },
    });
    expect(plan.get('user.v1.UserService/GetUser')).to.deep.equal({
      method: 'user.v1.UserService/GetUser',
      error: { status: status.UNAVAILABLE, statusName: 'UNAVAILABLE', probability: 0.2 },
    });
  });

  it('parses ranges, seconds, both knobs on one method, a leading slash, spaces and empty entries', () => {
    const plan = parse(' /user.v1.UserService/ListUsers : delay=50ms-1.5s@0.5 , error=DEADLINE_EXCEEDED ;; ');
    expect(plan.get('user.v1.UserService/ListUsers')).to.deep.equal({
      method: 'user.v1.UserService/ListUsers',
      delay: { minMs: 50, maxMs: 1500, probability: 0.5 },
      error: { status: status.DEADLINE_EXCEEDED, statusName: 'DEADLINE_EXCEEDED', probability: 1 },
    });
    expect(parse('').size).to.equal(0);
  });

  it('names the bad part: unknown method, unknown status, bad numbers, bad knobs, repeats', () => {
    expect(failure('auth.v1.AuthService/Validate:delay=1ms')).to.match(/^"auth\.v1\.AuthService\/Validate" is not a method of this project \(one of .*ValidateToken/);
    expect(failure('user.v1.UserService/GetUser:error=UNAVAILIBLE')).to.match(/GetUser:error=UNAVAILIBLE: "UNAVAILIBLE" is not a gRPC status \(one of CANCELLED, .*UNAVAILABLE/);
    expect(failure('user.v1.UserService/GetUser:error=OK')).to.match(/"OK" is not a gRPC status/);
    expect(failure('user.v1.UserService/GetUser:error=unavailable')).to.match(/"unavailable" is not a gRPC status/);
    expect(failure('user.v1.UserService/GetUser:delay=150')).to.match(/GetUser:delay=150: "150" is not a duration/);
    expect(failure('user.v1.UserService/GetUser:delay=-5ms')).to.match(/"" is not a duration/);
    expect(failure('user.v1.UserService/GetUser:delay=1e3ms')).to.match(/"1e3ms" is not a duration/);
    expect(failure('user.v1.UserService/GetUser:delay=200ms-50ms')).to.match(/range "200ms-50ms" ends before it starts/);
    expect(failure('user.v1.UserService/GetUser:delay=11m')).to.match(/"11m" is not a duration/);
    expect(failure('user.v1.UserService/GetUser:delay=601s')).to.match(/longer than 600s/);
    expect(failure('user.v1.UserService/GetUser:error=UNAVAILABLE@1.5')).to.match(/probability "1.5" must be a number above 0 and at most 1/);
    expect(failure('user.v1.UserService/GetUser:error=UNAVAILABLE@0')).to.match(/probability "0"/);
    expect(failure('user.v1.UserService/GetUser:error=UNAVAILABLE@')).to.match(/probability ""/);
    expect(failure('user.v1.UserService/GetUser:slow=1ms')).to.match(/GetUser:slow=1ms: expected delay=/);
    expect(failure('user.v1.UserService/GetUser:delay=')).to.match(/GetUser:delay=: expected delay=/);
    expect(failure('user.v1.UserService/GetUser')).to.match(/expected <package\.Service\/Method>:<knob>/);
    expect(failure('user.v1.UserService/GetUser:delay=1ms,delay=2ms')).to.match(/delay is given twice/);
    expect(failure('user.v1.UserService/GetUser:delay=1ms;user.v1.UserService/GetUser:error=INTERNAL')).to.match(/is given twice; put its knobs in one entry/);
  });
});
