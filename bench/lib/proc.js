// Processes the harness starts: spawned in their own process group, watched through /proc,
// stopped by pid (the whole group) — never by name.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, readdirSync } from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Every group the harness started and has not yet stopped: pgid → ChildProcess. */
const live = new Map();

/**
 * Spawn a command as the leader of a new process group (detached), so that stopping it also stops
 * whatever it forked (cluster workers, nginx's worker).
 * @param {{ cmd: string, args: string[], cwd?: string, env?: NodeJS.ProcessEnv, label: string, logFile?: string }} spec
 */
export function spawnGroup(spec) {
  // Servers write to a log file (python's http.server logs every request: a pipe would make the
  // harness pay for reading it); load generators use pipes, their output is the result.
  const logFd = spec.logFile ? openSync(spec.logFile, 'a') : null;
  const child = spawn(spec.cmd, spec.args, {
    cwd: spec.cwd,
    env: spec.env ?? process.env,
    detached: true,
    stdio: logFd === null ? ['ignore', 'pipe', 'pipe'] : ['ignore', logFd, logFd],
  });
  if (logFd !== null) closeSync(logFd);
  const output = {
    get text() {
      if (!spec.logFile) return '';
      return (readText(spec.logFile) ?? '').slice(-2000);
    },
  };
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => resolve({ code: null, signal: null, error: String(error) }));
  });
  if (child.pid !== undefined) live.set(child.pid, child);
  return { child, pid: child.pid, label: spec.label, output, exited };
}

/** Signal a whole group; ESRCH (already gone) is fine. */
function signalGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Stop a group: SIGTERM, then SIGKILL after `graceMs` if its leader has not exited. */
export async function stopGroup(proc, graceMs = 3000) {
  if (proc.pid === undefined) return;
  signalGroup(proc.pid, 'SIGTERM');
  const timedOut = Symbol('timeout');
  const result = await Promise.race([proc.exited, sleep(graceMs).then(() => timedOut)]);
  if (result === timedOut) {
    signalGroup(proc.pid, 'SIGKILL');
    await Promise.race([proc.exited, sleep(2000)]);
  }
  // Members that outlived their leader (a cluster worker, say) still carry the group id.
  signalGroup(proc.pid, 'SIGKILL');
  live.delete(proc.pid);
}

/** Last resort on exit / Ctrl-C: kill every group still registered, synchronously. */
export function killAllNow() {
  for (const pgid of live.keys()) signalGroup(pgid, 'SIGKILL');
  live.clear();
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port, timeoutMs) {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    const done = (ok) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** Wait until the port accepts a connection; fail early if the process exits first. */
export async function waitForPort(proc, port, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  let exited = null;
  proc.exited.then((r) => {
    exited = r;
  });
  while (Date.now() < deadline) {
    if (exited)
      throw new Error(`${proc.label} exited before listening (${JSON.stringify(exited)}): ${proc.output.text.trim()}`);
    if (await canConnect(port, 500)) return;
    await sleep(50);
  }
  throw new Error(
    `${proc.label} did not accept on 127.0.0.1:${port} within ${timeoutMs} ms: ${proc.output.text.trim()}`,
  );
}

/**
 * Run a command to completion with a hard time bound; resolves with its output and status.
 * @param {{ cmd: string, args: string[], env?: NodeJS.ProcessEnv, timeoutMs: number, label: string }} spec
 */
export function runBounded({ cmd, args, env, timeoutMs, label }) {
  const proc = spawnGroup({ cmd, args, env, label });
  let stdout = '';
  let stderr = '';
  // Collect everything (load generators print a few KiB), separately from the bounded tail.
  proc.child.stdout.on('data', (c) => (stdout += c));
  proc.child.stderr.on('data', (c) => (stderr += c));
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    signalGroup(proc.pid, 'SIGKILL');
  }, timeoutMs);
  return proc.exited.then((r) => {
    clearTimeout(timer);
    live.delete(proc.pid);
    // Give the pipes a moment to deliver what was written just before exit.
    return new Promise((resolve) => setImmediate(() => resolve({ ...r, stdout, stderr, killed })));
  });
}

function readText(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The pid and all its descendants (via /proc/<pid>/task/<tid>/children). */
export function processTree(rootPid) {
  const seen = new Set();
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.pop();
    if (seen.has(pid)) continue;
    let tids;
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // gone
    }
    seen.add(pid);
    for (const tid of tids) {
      const kids = readText(`/proc/${pid}/task/${tid}/children`);
      if (!kids) continue;
      for (const k of kids.trim().split(/\s+/)) if (k) queue.push(Number(k));
    }
  }
  return [...seen];
}

/** Resident set size of one process in bytes, or 0 when it is gone. */
function rssBytes(pid) {
  const status = readText(`/proc/${pid}/status`);
  const m = status && /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

/** Sum of open descriptors over the process tree. */
export function countFds(rootPid) {
  let n = 0;
  for (const pid of processTree(rootPid)) {
    try {
      n += readdirSync(`/proc/${pid}/fd`).length;
    } catch {
      // process gone between the listing and now
    }
  }
  return n;
}

export function treeRss(rootPid) {
  return processTree(rootPid).reduce((sum, pid) => sum + rssBytes(pid), 0);
}

/**
 * Sample the RSS of a process tree every `intervalMs` until stopped; the tree itself is re-listed
 * once a second (it changes rarely: cluster workers, nginx's worker).
 */
export function startRssSampler(rootPid, intervalMs = 100) {
  let pids = processTree(rootPid);
  let listedAt = Date.now();
  let peak = 0;
  let samples = 0;
  const tick = () => {
    if (Date.now() - listedAt > 1000) {
      pids = processTree(rootPid);
      listedAt = Date.now();
    }
    const rss = pids.reduce((sum, pid) => sum + rssBytes(pid), 0);
    samples += 1;
    if (rss > peak) peak = rss;
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      tick();
      return { peakRss: peak, samples };
    },
  };
}

/**
 * Descriptors after a run: poll every 250 ms until the count is back to `idle` (or below), or
 * `maxWaitMs` has passed. Returns the last count and when it was taken.
 */
export async function fdsSettled(rootPid, idle, maxWaitMs) {
  const start = Date.now();
  let n = countFds(rootPid);
  while (n > idle && Date.now() - start < maxWaitMs) {
    await sleep(250);
    n = countFds(rootPid);
  }
  return { fds: n, afterMs: Date.now() - start };
}
