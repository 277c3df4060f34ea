/**
 * Running ffmpeg and ffprobe: an argument array (never a shell), no standard input, a bounded capture of
 * what they print, a time limit, and SIGKILL the moment the signal of the request that needed them aborts.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';

export interface RunOptions {
  /** Aborts (kills) the program: the request it works for went away. */
  readonly signal?: AbortSignal;
  /** Killed after this long. */
  readonly timeoutMs: number;
  /** Most bytes of standard output kept (the rest is read and dropped). Default 4 MiB. */
  readonly maxOutput?: number;
}

export interface RunResult {
  /** Exit code; `null` when it was killed. */
  readonly code: number | null;
  readonly stdout: Buffer;
  /** The last few KiB of standard error, for the log (never for the client). */
  readonly stderr: string;
}

/** Every ffmpeg run starts with these: quiet, no keyboard, and only the file and pipe protocols. */
export const FFMPEG_PREFIX: readonly string[] = [
  '-nostdin',
  '-hide_banner',
  '-loglevel',
  'error',
  '-protocol_whitelist',
  'file,pipe',
];

/** Process ids of the programs running now (the tests look for orphans by the server's children). */
const running = new Set<number>();

export function runningPids(): readonly number[] {
  return [...running];
}

/** Conversions run at a lower priority, so that serving files and pages goes first. */
const NICE = 10;

let exitHook = false;

/** A server that exits (even without a graceful stop) takes its ffmpeg runs with it. */
function killOnExit(): void {
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const pid of running) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

/** Run `program` with `args` and resolve when it exits (or was killed); rejects only if it could not start. */
export function runProgram(program: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const maxOutput = options.maxOutput ?? 4 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      resolve({ code: null, stdout: Buffer.alloc(0), stderr: 'aborted before start' });
      return;
    }
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'], shell: false, windowsHide: true });
    const pid = child.pid;
    if (pid !== undefined) {
      running.add(pid);
      killOnExit();
      try {
        os.setPriority(pid, NICE);
      } catch {
        // not allowed here: it runs at the server's priority
      }
    }
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      if (outBytes < maxOutput) out.push(chunk.subarray(0, maxOutput - outBytes));
      outBytes += chunk.length;
    });
    child.stderr.on('data', (chunk: Buffer) => (err = (err + chunk.toString('utf8')).slice(-4096)));
    const kill = (): void => {
      child.kill('SIGKILL');
    };
    const timer = setTimeout(kill, options.timeoutMs);
    options.signal?.addEventListener('abort', kill, { once: true });
    const done = (): void => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', kill);
      if (pid !== undefined) running.delete(pid);
    };
    child.on('error', (error) => {
      done();
      reject(error);
    });
    child.on('close', (code) => {
      done();
      resolve({ code, stdout: Buffer.concat(out), stderr: err });
    });
  });
}
