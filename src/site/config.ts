/**
 * The site configuration (`aqua.json`): its schema, and validation with messages that name the bad key.
 *
 * The schema is written with zod: the most used TypeScript schema library (its inferred types are the
 * config's types, so the schema and the code cannot drift apart), whose issues carry the exact path of
 * the offending value — `redirects[2].status` — which is what a user editing a JSON file needs to see.
 *
 * zod is loaded the first time there is something to validate: a server without aqua.json and without
 * site options never loads it (it is 95 modules, 6–8 MiB of memory in every process, and in each
 * `--workers` worker). Validation stays synchronous — `createAquaServer` checks the file before it
 * returns — so zod is required (its CommonJS build) rather than imported.
 */
import { createRequire } from 'node:module';
import type { z as Zod } from 'zod';
import { compilePattern, PatternError } from './pattern.js';

/** The schema of `aqua.json`, built with zod's `z`. */
function buildSchema(z: typeof Zod) {
  /** A header name as RFC 9110 §5.1 allows (a token). */
  const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'not a valid header name');
  /** A header value: visible characters, spaces and tabs only — no CR/LF that could split the response. */
  const headerValue = z.string().regex(/^[\t\x20-\x7e\x80-\xff]*$/, 'header values cannot contain control characters');

  /** A request-path pattern: starts with `/`; `:name`, `:name*`, `*` and `**` as {@link compilePattern} reads them. */
  const source = z.string().superRefine((value, ctx) => {
    try {
      compilePattern(value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: err instanceof PatternError ? err.message : 'not a valid pattern' });
    }
  });

  /** A path under the root (`/index.html`), for rewrites, the SPA entry and the 404 page. */
  const sitePath = z
    .string()
    .regex(/^\/[^?#]*$/, 'must be a path that starts with "/" (no query or fragment)')
    .refine((p) => !p.split('/').includes('..'), 'must not contain ".." segments');

  const headerRule = z.strictObject({
    source,
    headers: z.record(headerName, headerValue),
  });

  const redirectRule = z.strictObject({
    source,
    /** A path (`/new/:slug`) or an absolute http(s) URL; `:name` is replaced by the capture of that name. */
    destination: z.string().regex(/^(\/|https?:\/\/)[^\s]*$/, 'must start with "/" or "http(s)://"'),
    status: z.union([z.literal(301), z.literal(302), z.literal(307), z.literal(308)]).default(301),
  });

  const rewriteRule = z.strictObject({
    source,
    destination: sitePath,
  });

  /** Everything `aqua.json` may hold. Unknown keys are errors: a typo must not pass silently. */
  return z.strictObject({
    /** Ignored: lets editors find a JSON schema. */
    $schema: z.string().optional(),
    // What the CLI's flags also set (the flag wins when both are given).
    dotfiles: z.boolean().optional(),
    index: z.boolean().optional(),
    listing: z.boolean().optional(),
    followSymlinks: z.boolean().optional(),
    cors: z.boolean().optional(),
    cache: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31)
      .nullable()
      .optional(),
    compress: z.boolean().optional(),
    /** `true` serves `/index.html` for HTML navigations to missing routes; a path serves that file instead. */
    spa: z.union([z.boolean(), sitePath]).optional(),
    // What only the file says well.
    headers: z.array(headerRule).optional(),
    redirects: z.array(redirectRule).optional(),
    rewrites: z.array(rewriteRule).optional(),
    cleanUrls: z.boolean().optional(),
    /** `true`: every extension-less path ends with `/`; `false`: none does; absent: only folders do. */
    trailingSlash: z.boolean().optional(),
    /** A page (`/404.html`) sent with status 404 for anything missing. */
    notFound: sitePath.optional(),
  });
}

let schema: ReturnType<typeof buildSchema> | null = null;

/** The schema, loading zod on first use (once per process). */
function siteConfigSchema(): ReturnType<typeof buildSchema> {
  if (schema) return schema;
  const { z } = createRequire(import.meta.url)('zod') as { z: typeof Zod };
  schema = buildSchema(z);
  return schema;
}

/** The validated content of `aqua.json` (and the same fields given to the library). */
export type SiteConfig = Zod.output<ReturnType<typeof buildSchema>>;
/** What may be written: the same, with defaults left out. */
export type SiteConfigInput = Zod.input<ReturnType<typeof buildSchema>>;

/** A config that does not validate (a `RangeError`, like a bad option); `message` lists every problem. */
export class ConfigError extends RangeError {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source}: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** `redirects[0].status` from zod's path `['redirects', 0, 'status']`. */
function keyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(top level)' : out;
}

/**
 * An object with no key set (`{}`, or options given in code that are all `undefined`): valid as it is, answered
 * without loading zod.
 */
function saysNothing(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return false;
  return Object.values(value).every((v) => v === undefined);
}

/** Validate parsed JSON (or an object given to the library); `source` names it in messages. */
export function validateSiteConfig(value: unknown, source: string): SiteConfig {
  if (saysNothing(value)) return {};
  const result = siteConfigSchema().safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const at = keyPath(issue.path);
    if (issue.code === 'unrecognized_keys') return `${at}: unknown key ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    if (issue.code === 'invalid_union' && issue.path.at(-1) === 'status') return `${at}: must be 301, 302, 307 or 308`;
    return `${at}: ${issue.message}`;
  });
  throw new ConfigError(source, problems);
}

/** Parse and validate the text of a config file; bad JSON is reported with the parser's position. */
export function parseSiteConfig(text: string, source: string): SiteConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(source, [`not valid JSON (${(err as Error).message})`]);
  }
  return validateSiteConfig(value, source);
}
