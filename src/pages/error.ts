/** The small fixed error pages: one sentence per status, never `err.message`, a stack or a path. */
import { escapeHtml } from './ui/escape.js';

const PAGES: Readonly<Record<number, { title: string; text: string }>> = {
  400: { title: 'Bad Request', text: 'The request could not be understood.' },
  401: { title: 'Unauthorized', text: 'This server needs a user name and password.' },
  403: { title: 'Forbidden', text: 'You are not allowed to see this.' },
  404: { title: 'Not Found', text: 'There is nothing at this address.' },
  405: { title: 'Method Not Allowed', text: 'This server only reads files: use GET or HEAD.' },
  406: { title: 'Not Acceptable', text: 'None of the forms this resource has is acceptable to the client.' },
  409: { title: 'Conflict', text: 'The upload cannot go there: a folder is missing or something is in the way.' },
  412: { title: 'Precondition Failed', text: 'The file does not match the condition of the request.' },
  413: { title: 'Content Too Large', text: 'The upload is larger than this server accepts.' },
  414: { title: 'URI Too Long', text: 'The address is too long.' },
  415: { title: 'Unsupported Media Type', text: 'The body is not of a type this address accepts.' },
  416: { title: 'Range Not Satisfiable', text: 'The requested range is outside the file.' },
  460: { title: 'Checksum Mismatch', text: 'The bytes received do not match the checksum sent with them.' },
  507: { title: 'Insufficient Storage', text: 'There is not enough free space on the server for this upload.' },
  500: { title: 'Internal Server Error', text: 'Something went wrong on the server; it has been logged.' },
  503: { title: 'Service Unavailable', text: 'The server is busy; try again in a moment.' },
};

/** The page's own policy: its one inline style block, nothing else. */
export const ERROR_PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'";

const STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;margin:3rem auto;max-width:36rem;padding:0 1rem;color:#1d2a33;' +
  'background:#fff}a{color:#0b5cad}h1{font-size:1.4rem}@media(prefers-color-scheme:dark){body{background:#0f1a21;' +
  'color:#d8e4ea}a{color:#8cc8ff}}';

/** The title of a status's page (`Not Found`), or a generic one. */
export function errorTitle(status: number): string {
  return PAGES[status]?.title ?? `Error ${status}`;
}

/**
 * The HTML of the error page for `status`. `home` is where "Back to the top folder" leads: the top of
 * the mount (`/media/` under Express), `/` on its own.
 */
export function renderErrorPage(status: number, home: string): { body: string; policy: string } {
  const page = PAGES[status] ?? { title: errorTitle(status), text: 'The request failed.' };
  const body =
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="color-scheme" content="light dark">' +
    `<title>${status} ${page.title}</title><style>${STYLE}</style></head>` +
    `<body><main><h1>${status} ${page.title}</h1><p>${page.text}</p>` +
    `<nav aria-label="Site"><p><a href="${escapeHtml(home)}">Back to the top folder</a></p></nav></main></body></html>\n`;
  return { body, policy: ERROR_PAGE_POLICY };
}
