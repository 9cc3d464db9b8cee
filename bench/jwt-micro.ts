// Microbenchmark of access-token verification, the auth service's part of every authenticated
// request: services/auth/hs256-jwt.ts (node:crypto, synchronous) against jose's jwtVerify with
// the same pre-imported WebCrypto key the service used before (its HMAC a thread-pool job).
//
//   npm run bench -- --micro jwt [--rounds 3] [--iterations 20000]
//
// CPU is process.cpuUsage() (every thread, the pool's included) per verification; rounds
// alternate, the median is reported.
import crypto, { webcrypto } from 'node:crypto';
import { verifyHs256Jwt } from '../services/auth/hs256-jwt';
import { loadJose } from '../services/auth/jose';
import { median } from './load-result';
import type { MicroOptions } from './cli';

/** Runs the comparison and prints it. */
export async function run(o: Pick<MicroOptions, 'rounds' | 'iterations'>): Promise<void> {
  const { SignJWT, jwtVerify } = await loadJose();
  const secret = crypto.randomBytes(32).toString('hex');
  const cryptoKey = await webcrypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  const keyObject = crypto.createSecretKey(Buffer.from(secret));
  const token = await new SignJWT({ email: 'ada@example.com', token_use: 'access' })
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
    .setSubject(crypto.randomUUID())
    .setJti(crypto.randomUUID())
    .setIssuer('auth-service')
    .setAudience('traced-grpc-microservices')
    .setIssuedAt()
    .setExpirationTime('1d')
    .sign(cryptoKey);
  const expect = { issuer: 'auth-service', audience: 'traced-grpc-microservices', typ: 'at+jwt', requiredClaims: ['sub', 'jti', 'iat', 'exp'] };
  const variants: Record<string, () => Promise<unknown>> = {
    'jose jwtVerify (WebCrypto)': () => jwtVerify(token, cryptoKey, { ...expect, algorithms: ['HS256'] }),
    'hs256-jwt (node:crypto)': async () => verifyHs256Jwt(token, keyObject, { ...expect, nowMs: Date.now() }),
  };
  const rounds = o.rounds ?? 3;
  const tokens = o.iterations ?? 20_000;
  const results: Record<string, { cpu: number[]; wall: number[] }> = {};
  for (let r = 0; r < rounds; r++) {
    for (const [name, verify] of Object.entries(variants)) {
      for (let i = 0; i < tokens / 10; i++) await verify();
      const cpu0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < tokens; i++) await verify();
      const wall = Number(process.hrtime.bigint() - t0) / tokens / 1000;
      const cpu = process.cpuUsage(cpu0);
      const slot = (results[name] ??= { cpu: [], wall: [] });
      slot.cpu.push((cpu.user + cpu.system) / tokens);
      slot.wall.push(wall);
    }
  }
  for (const [name, { cpu, wall }] of Object.entries(results)) {
    console.log(`${name.padEnd(28)} ${median(cpu).toFixed(1)} µs CPU, ${median(wall).toFixed(1)} µs wall per token`);
  }
}
