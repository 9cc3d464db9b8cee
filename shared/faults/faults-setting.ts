import { z } from 'zod';
import { contractMethodPaths } from '../contracts';
import { FaultSyntaxError, parseFaults, type FaultPlan } from './fault-rules';

/**
 * The FAULTS config field: parsed into a plan at start, so a bad rule stops the process there.
 * Unset means no faults. A rule may name any RPC of the contracts (gen/descriptors.binpb), every
 * service's, so one setting can be handed to every process (`FAULTS=... npm start`); each service
 * applies the rules for the methods it serves.
 */
export const faultsSetting = () =>
  z
    .string()
    .optional()
    .transform((text, ctx): FaultPlan | undefined => {
      if (text === undefined || text.trim() === '') return undefined;
      try {
        return parseFaults(text, contractMethodPaths());
      } catch (err) {
        if (!(err instanceof FaultSyntaxError)) throw err;
        ctx.addIssue({ code: 'custom', message: err.message });
        return z.NEVER;
      }
    });

/** Refuses FAULTS with NODE_ENV=production: injected failures are for seeing what failures look like, never for real traffic. */
export function refuseFaultsInProduction(config: { NODE_ENV: string; FAULTS: FaultPlan | undefined }, ctx: z.RefinementCtx): void {
  if (config.NODE_ENV === 'production' && config.FAULTS !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['FAULTS'], message: 'injects failures on purpose and is refused when NODE_ENV=production; unset it' });
  }
}
