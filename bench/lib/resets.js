// Reset storm: clients that start a large download and then reset the connection (RST) after the
// first bytes. A server that forgets to close the file on a client reset keeps one descriptor per
// aborted download; the descriptor count after the storm shows it.
import net from 'node:net';

function abortedDownload({ port, path, readBytes, timeoutMs }) {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    let got = 0;
    let settled = false;
    const finish = (outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // RST, not FIN: the way a browser or player that gives up usually leaves.
      if (typeof sock.resetAndDestroy === 'function' && !sock.destroyed) sock.resetAndDestroy();
      else sock.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    sock.once('connect', () => {
      sock.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive\r\n\r\n`);
    });
    sock.on('data', (chunk) => {
      got += chunk.length;
      if (got >= readBytes) finish('aborted');
    });
    sock.once('error', () => finish('error'));
    sock.once('end', () => finish('ended'));
  });
}

/**
 * `count` aborted downloads, `parallel` at a time. Each reads `readBytes` (headers + the first
 * body bytes) before resetting, so the server has opened the file and started streaming.
 */
export async function resetStorm({ port, path, count, parallel = 50, readBytes = 64 * 1024, timeoutMs = 5000 }) {
  const outcomes = { aborted: 0, timeout: 0, error: 0, ended: 0 };
  let next = 0;
  const lane = async () => {
    while (next < count) {
      next += 1;
      const outcome = await abortedDownload({ port, path, readBytes, timeoutMs });
      outcomes[outcome] += 1;
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, lane));
  return { count, parallel, readBytes, outcomes, ms: Date.now() - started };
}
