// @ts-check
// The platform's ceiling for small files: a bare node:http server answering every request with the
// 13-byte body and the same headers aqua-serve sends for it (computed once, at start).
// Usage: node hello.js <port>
import http from 'node:http';

const body = Buffer.from('Hello, aqua!\n');
const lastModified = new Date().toUTCString();
const headers = {
  'X-Content-Type-Options': 'nosniff',
  ETag: `"d-${Date.now().toString(16)}"`,
  'Last-Modified': lastModified,
  'Cache-Control': 'no-cache',
  'Accept-Ranges': 'bytes',
  'Content-Type': 'application/octet-stream',
  'Content-Length': String(body.length),
};

http
  .createServer({ keepAliveTimeout: 5000 }, (_req, res) => {
    res.writeHead(200, headers);
    res.end(body);
  })
  .listen(Number(process.argv[2]), '127.0.0.1');
