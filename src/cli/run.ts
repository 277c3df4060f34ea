import { CommanderError, type OutputConfiguration } from 'commander';

/**
 * What both CLIs (`aqua-serve`, `aqua-echo`) share: usage errors and their exit code, commander's error output as one
 * line, the line for a port that cannot be bound, and the stop signals.
 */

/** A problem with the command line: one line on stderr, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = 2;
}

/** commander's output for a CLI named `name`: each error as one line `name: message` on stderr. */
export function usageOutput(name: string): OutputConfiguration {
  return {
    writeErr: (s) => process.stderr.write(s),
    outputError: (s, write) => write(`${name}: ${oneLine(s.replace(/^error: /, ''))}\n`),
  };
}

function oneLine(text: string): string {
  return text.trim().replace(/\s*\n\s*/g, ' ');
}

/** Print `name: message` on stderr and set the exit code. */
export function fail(name: string, message: string, exitCode: number): void {
  process.stderr.write(`${name}: ${oneLine(message)}\n`);
  process.exitCode = exitCode;
}

/**
 * Parse the command line with `parse`; on `--help`/`--version` (exit 0), a bad flag (commander already printed it)
 * or a {@link UsageError} (printed here), set the exit code and resolve `undefined`. Anything else is a bug: rethrown.
 */
export async function parseOrExit<T>(name: string, parse: () => T | Promise<T>): Promise<T | undefined> {
  try {
    return await parse();
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return undefined;
    }
    if (err instanceof UsageError) {
      fail(name, err.message, 2);
      return undefined;
    }
    throw err;
  }
}

/** Why a port could not be listened on, as the end of one line: `port 80 on all interfaces needs more privileges`. */
export function portProblem(err: unknown, port: number, host: string | undefined): string {
  const code = err instanceof Error && 'code' in err ? String(err.code) : 'error';
  const why =
    code === 'EADDRINUSE'
      ? 'is already in use'
      : code === 'EACCES'
        ? 'needs more privileges'
        : `cannot be used (${code})`;
  return `port ${port} on ${host ?? 'all interfaces'} ${why}`;
}

/**
 * Call `stop` on the first SIGINT or SIGTERM. A second SIGINT while stopping exits at once (130); a second SIGTERM is
 * ignored (the stop under way finishes).
 */
export function onStopSignal(stop: (signal: NodeJS.Signals) => void): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals): void => {
    if (stopping) {
      if (signal === 'SIGINT') process.exit(130);
      return;
    }
    stopping = true;
    stop(signal);
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
}
