import { killAll } from './children';

/** A `--<flag>` whole number of at least `min`, or `fallback` when the flag was not given. */
export function wholeFlag(flag: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min) throw new Error(`--${flag}: must be a whole number >= ${min}, got "${value}"`);
  return Number(value);
}

/** What {@link runCommand} needs of one bench command (soak, side-by-side). */
export interface Command<O, R> {
  /** Prefix of the failure message: `<name> failed: ...`. */
  name: string;
  usage: string;
  /** Parses the arguments; throws on a bad one, 'help' for --help. */
  parse(argv: string[]): O | 'help';
  run(options: O): Promise<R>;
  format(report: R): string;
  /** Exit 0 when true, 1 otherwise. */
  passed(report: R): boolean;
}

/**
 * Runs a bench command as a process: usage and exit 2 on a bad flag, every child stopped on
 * Ctrl-C or SIGTERM (exit 130) or when the run fails, the report printed, exit 0 when it passed.
 */
export function runCommand<O, R>(command: Command<O, R>, argv = process.argv.slice(2)): void {
  let options: O | 'help';
  try {
    options = command.parse(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${command.usage}\n`);
    process.exit(2);
  }
  if (options === 'help') {
    process.stdout.write(`${command.usage}\n`);
    process.exit(0);
  }
  const stopAll = () => {
    killAll();
    process.exit(130);
  };
  process.once('SIGINT', stopAll);
  process.once('SIGTERM', stopAll);
  command.run(options).then(
    (report) => {
      process.stdout.write(`${command.format(report)}\n`);
      process.exit(command.passed(report) ? 0 : 1);
    },
    (err: unknown) => {
      process.stderr.write(`${command.name} failed: ${err instanceof Error ? err.message : String(err)}\n`);
      killAll();
      process.exit(1);
    },
  );
}
