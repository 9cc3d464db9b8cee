/** Unix seconds of a Date.now()-style millisecond time (the unit the tokens and tables use). */
export const unixSeconds = (ms: number = Date.now()): number => Math.floor(ms / 1000);
