/** The shape of one CLI setting (see settings.ts, the table of them all) and the parsers the table uses. */
import { InvalidArgumentError } from 'commander';
import type { AquaServerOptions } from '../server/index.js';
import { parseWholeNumber } from './args.js';

/**
 * One setting of `aqua-serve`, declared once: its flag, its help line (the README's flag table repeats it, checked by
 * test/cli-docs.test.ts), its default, how its text is parsed, and where it goes in `createAquaServer`'s options.
 */
export interface Setting<K extends string = string, T = unknown> {
  /** commander's name for the value: `--follow-symlinks` → `followSymlinks`, `--no-index` → `index`. */
  readonly key: K;
  /** commander's flag syntax: `-p, --port <n>`, `--spa [file]`, `--no-index`. */
  readonly flags: string;
  /** The `--help` line. */
  readonly doc: string;
  readonly default?: T;
  /** The allowed values of a `<value>` flag. */
  readonly choices?: readonly string[];
  /** Parse the flag's text (`previous` is the value so far, for a repeatable flag); throws a one-line error. */
  parse?(text: string, previous: T): T;
  /** aqua.json may set it too: the flag then wins only when given on the command line. */
  readonly file?: boolean;
  /** The setting as `createAquaServer` options (a flag of the CLI itself, such as `--qr`, has none). */
  server?(value: T): Partial<AquaServerOptions>;
}

/** A setting with a default: its value is always a `T`. */
export function setting<K extends string, T>(def: Setting<K, T> & { default: T }): Setting<K, T> {
  return def;
}

/** A setting without a default: `undefined` when not given. */
export function optional<K extends string, T>(
  def: Omit<Setting<K, T | undefined>, 'default'>,
): Setting<K, T | undefined> {
  return def;
}

/** A parser that throws (a `RangeError` naming the flag) as a commander argument parser: its message, one line. */
export function commanderParser<T>(parse: (text: string, flag: string) => T, flag: string): (text: string) => T {
  return (text) => {
    try {
      return parse(text, flag);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  };
}

/** A flag's text as a whole number within `min`–`max`, for commander. */
export function integer(name: string, min: number, max: number): (value: string) => number {
  return commanderParser((text, flag) => parseWholeNumber(text, flag, min, max), name);
}

/** A flag's text as a number of seconds (fractions allowed), for commander. */
export function seconds(name: string): (value: string) => number {
  return (value) => {
    const n = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : NaN;
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number of seconds.`);
    return n;
  };
}
