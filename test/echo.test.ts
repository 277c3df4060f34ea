import net from 'node:net';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEchoServer, type EchoServer, type EchoServerOptions } from '../src/echo/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WAIT = { timeout: 5000, interval: 10 };

interface LogRecord {
  level: number;
  msg: string;
  [field: string]: unknown;
}

const servers: EchoServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((echo) => echo.close()));
});

/** An echo server on a free port of 127.0.0.1, with its log lines captured as objects. */
async function startEcho(
  options: EchoServerOptions = {},
): Promise<{ echo: EchoServer; port: number; logs: LogRecord[] }> {
  const logs: LogRecord[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line) as LogRecord) });
  const echo = createEchoServer({ host: '127.0.0.1', port: 0, logger, ...options });
  servers.push(echo);
  const { port } = await echo.listen();
  return { echo, port, logs };
}

/** A connected client that keeps everything it receives. */
interface Client {
  socket: net.Socket;
  received(): Buffer;
  bytesReceived(): number;
  /** Resolves when the server has closed its side. */
  ended: Promise<void>;
}

async function connect(port: number): Promise<Client> {
  const socket = net.connect({ host: '127.0.0.1', port });
  const chunks: Buffer[] = [];
  let bytes = 0;
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    bytes += chunk.length;
  });
  socket.on('error', () => {}); // resets are part of some tests; their outcome is asserted on the server's log
  const ended = once(socket, 'close').then(() => undefined);
  await once(socket, 'connect');
  return { socket, received: () => Buffer.concat(chunks), bytesReceived: () => bytes, ended };
}

async function receives(client: Client, expected: string | Buffer): Promise<void> {
  await vi.waitFor(() => expect(client.received()).toEqual(Buffer.from(expected)), WAIT);
}

async function logged(logs: LogRecord[], msg: string): Promise<LogRecord> {
  return vi.waitFor(() => {
    const record = logs.find((r) => r.msg === msg);
    expect(record, `log line '${msg}' in ${JSON.stringify(logs)}`).toBeDefined();
    return record as LogRecord;
  }, WAIT);
}

describe('echo server', () => {
  it('echoes a line', async () => {
    const { port } = await startEcho();
    const client = await connect(port);
    client.socket.write('hello\n');
    await receives(client, 'hello\n');
    client.socket.end();
  });

  it('holds a line sent in pieces until its newline arrives', async () => {
    const { port } = await startEcho();
    const client = await connect(port);
    client.socket.write('hel');
    await sleep(100);
    expect(client.received().length).toBe(0);
    client.socket.write('lo\nwor');
    await receives(client, 'hello\n');
    await sleep(100);
    expect(client.received().toString()).toBe('hello\n');
    client.socket.write('ld\n');
    await receives(client, 'hello\nworld\n');
    client.socket.end();
  });

  it('echoes every line of a pipelined write, CRLF and empty lines included', async () => {
    const { port } = await startEcho();
    const client = await connect(port);
    const lines = 'one\ntwo\r\n\nthree\n';
    client.socket.write(lines);
    await receives(client, lines);
    client.socket.end();
  });

  it('echoes bytes that are not UTF-8 unchanged, even a character split across writes', async () => {
    const { port } = await startEcho();
    const client = await connect(port);
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0x0a, 0xc3]);
    client.socket.write(bytes);
    await sleep(50);
    client.socket.write(Buffer.from([0xa9, 0x0a]));
    await receives(client, Buffer.concat([bytes, Buffer.from([0xa9, 0x0a])]));
    client.socket.end();
  });

  it('closes an idle connection after the timeout and logs it as a timeout', async () => {
    const { port, logs } = await startEcho({ idleTimeout: 0.2 });
    const client = await connect(port);
    const started = performance.now();
    client.socket.write('ping\n');
    await receives(client, 'ping\n');
    await client.ended;
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(150);
    expect(waited).toBeLessThan(3000);
    expect((await logged(logs, 'timeout')).lines).toBe(1);
  });

  it('answers a peer that closes its side, even its last unterminated line, and logs "closed by peer"', async () => {
    const { port, logs } = await startEcho();
    const client = await connect(port);
    client.socket.end('last line\nno newline');
    await client.ended;
    expect(client.received().toString()).toBe('last line\nno newline');
    const record = await logged(logs, 'closed by peer');
    expect(record).toMatchObject({ lines: 2, bytes: 20, level: 30 });
  });

  it('logs a reset and keeps serving', async () => {
    const { port, logs } = await startEcho();
    const client = await connect(port);
    client.socket.write('x\n');
    await receives(client, 'x\n');
    client.socket.resetAndDestroy();
    expect(await logged(logs, 'reset by peer')).toMatchObject({ code: 'ECONNRESET', level: 40 });

    const next = await connect(port);
    next.socket.write('still here\n');
    await receives(next, 'still here\n');
    next.socket.end();
  });

  it.each([
    ['no newline', 'a'.repeat(17)],
    ['its newline in the same packet', `${'a'.repeat(17)}\n`],
  ])('answers a line over --max-line (%s) with one error line and closes', async (_, line) => {
    const { port, logs } = await startEcho({ maxLine: 16 });
    const client = await connect(port);
    client.socket.write(`${'b'.repeat(16)}\n`); // exactly at the limit: fine
    client.socket.write(line);
    await client.ended;
    expect(client.received().toString()).toBe(`${'b'.repeat(16)}\nerror: line longer than 16 bytes\n`);
    expect(await logged(logs, 'line too long')).toMatchObject({ lines: 1, level: 40 });
  });

  it('refuses an endless line at the default 64 KiB limit instead of buffering it', async () => {
    const { port, logs } = await startEcho();
    const client = await connect(port);
    client.socket.write(Buffer.alloc(256 * 1024, 'z'));
    await client.ended;
    expect(client.received().toString()).toBe('error: line longer than 65536 bytes\n');
    await logged(logs, 'line too long');
  });

  it('gives each of 200 concurrent clients exactly its own lines', async () => {
    const { port } = await startEcho();
    const talk = async (id: number): Promise<string> => {
      const client = await connect(port);
      for (let n = 0; n < 5; n += 1) client.socket.write(`client ${id} line ${n}\n`);
      client.socket.end();
      await client.ended;
      return client.received().toString();
    };
    const answers = await Promise.all(Array.from({ length: 200 }, (_, id) => talk(id)));
    answers.forEach((answer, id) => {
      expect(answer).toBe(Array.from({ length: 5 }, (_, n) => `client ${id} line ${n}\n`).join(''));
    });
  });

  it('stops reading from a client that does not read its echoes, and loses nothing', async () => {
    const { echo, port } = await startEcho();
    const accepted = once(echo.server, 'connection') as Promise<[net.Socket]>;
    const client = await connect(port);
    const [serverSide] = await accepted;
    client.socket.pause();
    const line = `${'y'.repeat(1023)}\n`;
    const total = 32 * 1024 * 1024;
    client.socket.write(Buffer.alloc(total, line));
    let mostQueued = 0;
    for (let i = 0; i < 50; i += 1) {
      mostQueued = Math.max(mostQueued, serverSide.writableLength);
      await sleep(10);
    }
    // The server waits for 'drain': it queues at most about one read's worth of echoes and stops
    // reading once the kernel buffers (a few MB on loopback) are full.
    expect(mostQueued).toBeLessThan(256 * 1024);
    expect(serverSide.bytesRead).toBeLessThan(total / 2);
    client.socket.resume();
    await vi.waitFor(() => expect(client.bytesReceived()).toBe(total), { timeout: 20_000, interval: 20 });
    expect(client.received().equals(Buffer.alloc(total, line))).toBe(true);
    client.socket.end();
  });

  it('close() stops accepting and closes open connections', async () => {
    const { echo, port, logs } = await startEcho();
    const client = await connect(port);
    client.socket.write('a\n');
    await receives(client, 'a\n');
    await echo.close();
    await client.ended;
    await logged(logs, 'server closing');
    const refused = net.connect({ host: '127.0.0.1', port });
    const [err] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    expect(err.code).toBe('ECONNREFUSED');
  });

  it('rejects impossible options', () => {
    expect(() => createEchoServer({ port: 70000 })).toThrow(RangeError);
    expect(() => createEchoServer({ idleTimeout: 0 })).toThrow(RangeError);
    expect(() => createEchoServer({ maxLine: 0.5 })).toThrow(RangeError);
  });
});

/** Runs bin/aqua-echo.js; resolves with its exit code and output once it exits. */
function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['bin/aqua-echo.js', ...args], { cwd: ROOT });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('aqua-echo CLI', () => {
  it('listens where it says, echoes, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['bin/aqua-echo.js', '--port', '0', '--log-format', 'json'], { cwd: ROOT });
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    try {
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const port = await vi.waitFor(
        () => {
          const match = /^aqua-echo listening on (\S+):(\d+)$/m.exec(stdout);
          expect(match, stdout).not.toBeNull();
          return Number(match?.[2]);
        },
        { timeout: 10_000, interval: 20 },
      );
      expect(port).toBeGreaterThan(0);

      const client = await connect(port);
      client.socket.write('through the bin\n');
      await receives(client, 'through the bin\n');

      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      expect(code).toBe(0);
      await client.ended;
      expect(stdout).toContain('"msg":"server closing"');
    } finally {
      clearTimeout(killer);
    }
  });

  it.each([
    [['--port', 'abc']],
    [['--port', '65536']],
    [['--port', '-1']],
    [['--idle-timeout', '0']],
    [['--idle-timeout', 'soon']],
    [['--max-line', '1.5']],
    [['--log-level', 'loud']],
    [['--log-format', 'xml']],
    [['--bogus']],
    [['stray-argument']],
  ])('bad input %j: one line on stderr, exit 2', async (args) => {
    const { code, stdout, stderr } = await run(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^aqua-echo: [^\n]+\n$/);
    expect(stderr).not.toMatch(/\bat .*:\d+:\d+/);
  });

  it('a port that is taken: one line on stderr, exit 1', async () => {
    const { port } = await startEcho();
    const { code, stderr } = await run(['--port', String(port), '--host', '127.0.0.1']);
    expect(code).toBe(1);
    expect(stderr).toBe(`aqua-echo: port ${port} on 127.0.0.1 is already in use\n`);
  });

  it('--help documents every flag and exits 0', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    for (const flag of [
      '--port',
      '--host',
      '--idle-timeout',
      '--max-line',
      '--log-level',
      '--log-format',
      '--quiet',
      '--version',
      '--help',
    ]) {
      expect(stdout).toContain(flag);
    }
  });
});
