/** Failures as HTTP statuses: an error class for the request path, and the file system's error codes mapped. */

/** An HTTP-level failure with the status it maps to. Its message is for logs, never for clients. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message?: string,
  ) {
    super(message ?? `HTTP ${status}`);
    this.name = 'HttpError';
  }
}

/** Error codes of the file system mapped to the status a client sees; anything else is a 500. */
const FS_STATUS: Readonly<Record<string, number>> = {
  ENOENT: 404,
  ENOTDIR: 404,
  ENAMETOOLONG: 404,
  ELOOP: 404,
  EACCES: 403,
  EPERM: 403,
  // Out of file descriptors: the server is overloaded, not broken; the client may retry.
  EMFILE: 503,
  ENFILE: 503,
};

export function statusOf(err: unknown): number {
  if (err instanceof HttpError) return err.status;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return (code && FS_STATUS[code]) || 500;
}
