import type { ServerResponse } from 'node:http';

export { HttpError, statusOf } from '../http/errors.js';

/** The one sentence a client sees for each status: fixed text, never `err.message` or a path. */
const PAGES: Readonly<Record<number, { title: string; text: string }>> = {
  400: { title: 'Bad Request', text: 'The request could not be understood.' },
  401: { title: 'Unauthorized', text: 'This server needs a user name and password.' },
  403: { title: 'Forbidden', text: 'You are not allowed to see this.' },
  404: { title: 'Not Found', text: 'There is nothing at this address.' },
  405: { title: 'Method Not Allowed', text: 'This server only reads files: use GET or HEAD.' },
  412: { title: 'Precondition Failed', text: 'The file does not match the condition of the request.' },
  416: { title: 'Range Not Satisfiable', text: 'The requested range is outside the file.' },
  500: { title: 'Internal Server Error', text: 'Something went wrong on the server; it has been logged.' },
  503: { title: 'Service Unavailable', text: 'The server is busy; try again in a moment.' },
};

export function errorPage(status: number): { title: string; body: string } {
  const page = PAGES[status] ?? { title: `Error ${status}`, text: 'The request failed.' };
  const body =
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${status} ${page.title}</title><style>body{font:16px/1.5 system-ui,sans-serif;margin:3rem auto;max-width:36rem;padding:0 1rem;color:#1d2a33}` +
    `@media(prefers-color-scheme:dark){body{background:#0f1a21;color:#d8e4ea}}h1{font-size:1.4rem}</style></head>` +
    `<body><h1>${status} ${page.title}</h1><p>${page.text}</p><p><a href="/">Back to the top folder</a></p></body></html>\n`;
  return { title: page.title, body };
}

/**
 * Answer with a small fixed error page. If headers are already out the response cannot change
 * status any more: the connection is destroyed instead (never an error page inside a body).
 */
export function sendError(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const { body } = errorPage(status);
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.end(res.req?.method === 'HEAD' ? undefined : body);
}
