import { isIPv6 } from 'node:net';
import type { AnyRequest } from './connections.js';
import { isHttp2 } from './connections.js';

/**
 * RFC 9112 §3.2: "A server MUST respond with a 400 (Bad Request) status code to any HTTP/1.1 request
 * message that lacks a Host header field and to any request message that contains more than one Host
 * header field line or a Host header field with an invalid field value." node:http answers the first
 * (no Host); this checks the other two. The value is `uri-host [ ":" port ]` (RFC 3986 §3.2.2).
 */

/** reg-name: unreserved, pct-encoded and sub-delims characters (RFC 3986 §3.2.2), possibly empty. */
const REG_NAME = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/;
/** IPvFuture inside the brackets of an IP-literal. */
const IP_FUTURE = /^v[0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+$/;

/** Whether `value` is a valid Host field value: `uri-host [ ":" port ]`, or empty. */
export function isValidHost(value: string): boolean {
  let host = value;
  const portAt = value.lastIndexOf(':');
  if (portAt >= 0 && portAt > value.lastIndexOf(']')) {
    if (!/^\d*$/.test(value.slice(portAt + 1))) return false;
    host = value.slice(0, portAt);
  }
  if (host.startsWith('[')) {
    if (!host.endsWith(']')) return false;
    const literal = host.slice(1, -1);
    return isIPv6(literal) || IP_FUTURE.test(literal);
  }
  return REG_NAME.test(host);
}

/** How many `Host` field lines the request carries (node:http keeps only the first in `req.headers`). */
function hostLines(req: AnyRequest): number {
  let count = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] as string;
    if (name.length === 4 && (name === 'Host' || name === 'host' || name.toLowerCase() === 'host')) count++;
  }
  return count;
}

let lastValidHost: string | undefined;

/** Whether the request's Host (and for HTTP/2 its `:authority`) breaks RFC 9112 §3.2 / RFC 9113 §8.3.1. */
export function hasBadHost(req: AnyRequest): boolean {
  if (hostLines(req) > 1) return true;
  const host = req.headers.host;
  if (host !== undefined && host !== lastValidHost) {
    if (!isValidHost(host)) return true;
    lastValidHost = host; // clients send the same Host again and again: check each new one once
  }
  if (isHttp2(req)) {
    const authority = req.headers[':authority'];
    if (typeof authority === 'string' && (authority === '' || !isValidHost(authority))) return true;
  }
  return false;
}
