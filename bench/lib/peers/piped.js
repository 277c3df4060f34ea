// @ts-check
// The platform's ceiling for large files: node:http with fs.createReadStream(path, 1 MiB reads) piped
// into the response, the fastest way Node itself streams a file. No Range, no listing, no checks
// beyond "is it a regular file under the root": a reference, not a server to deploy.
// Usage: node piped.js <root> <port>
import { createReadStream, stat } from 'node:fs';
import http from 'node:http';
import { join, normalize } from 'node:path';

const [root, port] = [process.argv[2], Number(process.argv[3])];

http
  .createServer((req, res) => {
    const path = join(root, normalize(decodeURIComponent((req.url ?? '/').split('?')[0])));
    stat(path, (err, st) => {
      if (err || !st.isFile() || !path.startsWith(root)) {
        res.statusCode = 404;
        return void res.end();
      }
      res.setHeader('Content-Type', 'application/octet-stream');
      res.setHeader('Content-Length', st.size);
      createReadStream(path, { highWaterMark: 1024 * 1024 }).pipe(res);
    });
  })
  .listen(port, '127.0.0.1');
