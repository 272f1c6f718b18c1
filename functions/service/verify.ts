// Verify, the whole sequence in one place (docs/protocol.md, "Verify"):
//   1. read the cursor: a bad or foreign one, or one issued for another
//      collection or range, is BAD_CURSOR;
//   2. read the range's versions from where this page starts — id,
//      updatedAt and deleted only, straight from the table in id order —
//      until the range ends or the work budget is spent (tombstones count as
//      work; they are in no digest);
//   3. fix where the page ends and split its live records into parts
//      (core/verify.ts);
//   4. hand out a cursor for the rest of the range, if any.
// Nothing is written: a verify costs a read of the range's items.

import type { VerifyRequest } from '../../protocol/requests.ts';
import type { VerifyResponse } from '../../protocol/responses.ts';
import { WorkBudget } from '../core/budgets.ts';
import { contentHash } from '../core/content-hash.ts';
import { decodeCursor, encodeCursor } from '../core/cursor.ts';
import { badCursor } from '../core/errors.ts';
import type { KeyPosition } from '../core/feed.ts';
import { pageExtent, splitIntoParts, type VerifyPosition, type Version, verifyPosition } from '../core/verify.ts';
import type { VersionItem } from '../store/records-store.ts';
import type { ServiceContext } from './context.ts';

export async function verifyRange(context: ServiceContext, request: VerifyRequest): Promise<VerifyResponse> {
  const { accountId } = context.caller;
  const { collection, from, to } = request;
  const digest = request.digest ?? 'v1';

  // 1. The cursor (its key first: a function without one fails here).
  const secret = context.cursorKey();
  const position =
    request.cursor === null ? null : decodeCursor(secret, accountId, 'verify', verifyPosition, request.cursor);
  if (position !== null && (position.collection !== collection || position.from !== from || position.to !== to)) {
    throw badCursor();
  }
  const start = position?.at ?? from;

  // 2. The versions, within the work budget.
  const work = new WorkBudget();
  const read: Version[] = [];
  const content = digest === 'v2';
  let next: KeyPosition | undefined;
  do {
    const page = await context.records.readVersions(accountId, collection, { from: start, to }, next, work.itemsLeft, {
      content,
    });
    work.spend(page.evaluated);
    read.push(...page.items.map((item) => versionOf(item, content)));
    next = page.next;
  } while (next !== undefined && !work.exhausted);

  // 3. Where the page ends, and its parts.
  const { covered, end, resume } = pageExtent(read, next, to);
  const parts = splitIntoParts(
    covered.filter((v) => !v.deleted),
    start,
    end,
    request.parts,
    digest,
  );

  // 4. The rest of the range.
  const rest: VerifyPosition | null = resume === null ? null : { collection, from, to, at: resume };
  return {
    serverTime: context.now(),
    digest,
    parts,
    cursor: rest === null ? null : encodeCursor(secret, accountId, 'verify', rest),
  };
}

/** A version as a digest takes it: with its content hash for v2 (computed from its fields if it was stored before v1.3). */
function versionOf(item: VersionItem, content: boolean): Version {
  const { id, updatedAt, deleted } = item;
  if (!content || deleted) return { id, updatedAt, deleted };
  return { id, updatedAt, deleted, contentHash: item.contentSha256 ?? contentHash(item.data ?? {}) };
}
