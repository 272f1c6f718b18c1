// Opaque, signed cursors: the Sync Now change-feed position and the web list
// position. A cursor names the account it was issued for and carries an
// HMAC-SHA256 over its content, so a forged, edited or foreign cursor is
// rejected as BAD_CURSOR instead of reading someone else's feed.
import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';

/** Where a pull stands inside one collection: the last key it returned. */
const keyPosition = z.object({ id: z.string(), changedAt: z.number().optional() });

/**
 * Sync Now position.
 * - `since`: feed lower bound (server-clock ms, inclusive); null while the
 *   pass is a snapshot (first sync, or a reset).
 * - `start`: server time this pass started; when it ends, the next pass
 *   reads from `start` minus the lookback window (see service/pull.ts).
 * - `col` / `key`: the collection being read and the last key returned in it.
 * - `reset`: this snapshot pass is a reset of an expired cursor.
 * Between passes `start`, `col` and `key` are absent.
 */
export const syncPosition = z.object({
  since: z.number().nullable(),
  start: z.number().optional(),
  col: z.number().int().min(0).optional(),
  key: keyPosition.optional(),
  reset: z.boolean().optional(),
});
export type SyncPosition = z.infer<typeof syncPosition>;

/** Web list position inside one collection. */
export const listPosition = z.object({ collection: z.string(), key: keyPosition });
export type ListPosition = z.infer<typeof listPosition>;

const envelope = z.object({ v: z.literal(1), a: z.string(), k: z.enum(['sync', 'list']), p: z.unknown() });

export type CursorKind = 'sync' | 'list';

export class BadCursorError extends Error {
  constructor() {
    super('cursor was not issued by this service for this account');
  }
}

export function encodeCursor(secret: string, accountId: string, kind: CursorKind, position: unknown): string {
  const body = Buffer.from(JSON.stringify({ v: 1, a: accountId, k: kind, p: position })).toString('base64url');
  return `${body}.${sign(secret, body)}`;
}

/** Decodes and checks a cursor; throws BadCursorError for anything not ours. */
export function decodeCursor<T>(
  secret: string,
  accountId: string,
  kind: CursorKind,
  schema: z.ZodType<T>,
  cursor: string,
): T {
  const [body, signature, ...rest] = cursor.split('.');
  if (body === undefined || signature === undefined || rest.length > 0) throw new BadCursorError();
  const expected = Buffer.from(sign(secret, body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw new BadCursorError();
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw new BadCursorError();
  }
  const parsed = envelope.safeParse(json);
  if (!parsed.success || parsed.data.a !== accountId || parsed.data.k !== kind) throw new BadCursorError();
  const position = schema.safeParse(parsed.data.p);
  if (!position.success) throw new BadCursorError();
  return position.data;
}

function sign(secret: string, body: string): string {
  if (secret === '') throw new Error('no cursor secret is configured for this function');
  return createHmac('sha256', secret).update(body).digest('base64url');
}
