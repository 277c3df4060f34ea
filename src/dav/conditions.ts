/**
 * Preconditions of a WebDAV write: the `If` header must hold (412), and the client must submit a token of every
 * lock that protects what it changes (423). A resource is protected by the locks on it and the depth-infinity
 * locks of its ancestors; adding or removing a member also by the locks of its folder; deleting or moving a
 * folder also by the locks below it. Shared locks on one resource: one of their tokens is enough.
 */
import { HttpError } from '../http/errors.js';
import { headerOf, type DavRequest } from './context.js';
import { parseIf, submittedTokens, type Condition, type ConditionList } from './if-header.js';
import { isWithin, pathKey, type Lock } from './locks.js';
import { etagOf, resourceAt, segmentsOfHref } from './resource.js';

/** What a write touches, for the lock check. */
export interface LockNeed {
  readonly segments: readonly string[];
  /** A member is added to or removed from its folder: the folder's locks count too. */
  readonly membership?: boolean;
  /** A folder is deleted or replaced with what is below it: the locks below count too. */
  readonly subtree?: boolean;
}

/**
 * Check the `If` header against the request path (untagged lists) and the tagged resources, then the locks of
 * `needs`. Resolves with the tokens the client submitted.
 */
export async function checkConditions(
  d: DavRequest,
  segments: readonly string[],
  needs: readonly LockNeed[],
): Promise<Set<string>> {
  const lists = parseIf(headerOf(d.req, 'if'));
  if (lists.length > 0 && !(await anyListHolds(d, segments, lists)))
    throw new HttpError(412, 'the If header does not hold');
  const tokens = submittedTokens(lists);
  for (const need of needs) {
    const key = pathKey(need.segments);
    const locks = d.store.locks.covering(key);
    if (need.membership && need.segments.length > 0)
      locks.push(...d.store.locks.covering(pathKey(need.segments.slice(0, -1))));
    if (need.subtree) locks.push(...d.store.locks.below(key));
    if (!satisfied(locks, tokens)) throw new HttpError(423, 'locked');
  }
  return tokens;
}

/** Every locked resource among `locks` has one of its locks' tokens submitted. */
function satisfied(locks: readonly Lock[], tokens: ReadonlySet<string>): boolean {
  const byRoot = new Map<string, Lock[]>();
  for (const lock of locks) byRoot.set(lock.key, [...(byRoot.get(lock.key) ?? []), lock]);
  return [...byRoot.values()].every((group) => group.some((l) => tokens.has(l.token)));
}

async function anyListHolds(
  d: DavRequest,
  segments: readonly string[],
  lists: readonly ConditionList[],
): Promise<boolean> {
  for (const list of lists) {
    let target = segments;
    if (list.resource !== null) {
      try {
        target = segmentsOfHref(d, list.resource, false);
      } catch {
        continue; // a tag naming something else entirely cannot hold
      }
    }
    if (await listHolds(d, target, list.conditions)) return true;
  }
  return false;
}

async function listHolds(
  d: DavRequest,
  segments: readonly string[],
  conditions: readonly Condition[],
): Promise<boolean> {
  let etag: string | null | undefined;
  for (const c of conditions) {
    let holds: boolean;
    if (c.token !== undefined) {
      const lock = d.store.locks.get(c.token);
      holds =
        lock !== undefined &&
        (lock.key === pathKey(segments) || (lock.depth === 'infinity' && isWithin(lock.key, pathKey(segments))));
    } else {
      etag ??= etagOf(await resourceAt(d, segments));
      holds = etag !== null && sameTag(etag, c.etag ?? '');
    }
    if (holds === c.not) return false;
  }
  return true;
}

/** Entity tags compared weakly (a `W/` prefix on either side is ignored). */
function sameTag(a: string, b: string): boolean {
  return a.replace(/^W\//, '') === b.trim().replace(/^W\//, '');
}
