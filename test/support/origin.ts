/** aqua-serve as the origin of the interop tests, with a record of every request it answered. */
import { start, sleep, type Running } from '../helpers.js';

/** One request as aqua-serve saw it. */
export interface Seen {
  readonly url: string;
  readonly status: number;
  readonly conditional: boolean;
}

/** Start aqua-serve (defaults, or `auth`) on `root` and record every request it answers into `log`. */
export async function observedOrigin(root: string, log: (s: Seen) => void, auth?: string): Promise<Running> {
  const running = await start({ root, auth });
  running.aqua.server.on('request', (req, res) => {
    const conditional = req.headers['if-none-match'] !== undefined || req.headers['if-modified-since'] !== undefined;
    res.once('close', () => log({ url: req.url ?? '', status: res.statusCode, conditional }));
  });
  return running;
}

/** Resolve once `log` has had no new entry for `quietMs` (responses are recorded when they close), at most 5 s. */
export async function settled(log: () => readonly Seen[], quietMs: number): Promise<void> {
  const deadline = Date.now() + 5000;
  let count = -1;
  while (count !== log().length && Date.now() < deadline) {
    count = log().length;
    await sleep(quietMs);
  }
}
