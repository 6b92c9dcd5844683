/** A subcommand of the nsmd CLI. run() returns the exit code (0 ok, 1 failure, 2 bad usage). */
export interface Command {
  readonly name: string;
  /** One line for `nsmd --help`. */
  readonly summary: string;
  /** The full text printed by `nsmd NAME --help`. */
  readonly help: string;
  run(argv: string[]): Promise<number>;
}

/** Raised for bad usage; main prints the message and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Prints one clear line on stderr for a failure. */
export function fail(message: string): number {
  process.stderr.write(`nsmd: ${message}\n`);
  return 1;
}
