// Opaque, signed cursors: the Sync Now change-feed position, the web list
// position and where a verify continues. A cursor names the account it was
// issued for and carries an HMAC-SHA256 over its content, so a forged,
// edited or foreign cursor is rejected as BAD_CURSOR instead of reading
// someone else's feed.
import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { badCursor } from './errors.ts';

const envelope = z.object({ v: z.literal(1), a: z.string(), k: z.enum(['sync', 'list', 'verify']), p: z.unknown() });

export type CursorKind = 'sync' | 'list' | 'verify';

export function encodeCursor(secret: string, accountId: string, kind: CursorKind, position: unknown): string {
  const body = Buffer.from(JSON.stringify({ v: 1, a: accountId, k: kind, p: position })).toString('base64url');
  return `${body}.${sign(secret, body)}`;
}

/** Decodes and checks a cursor; throws BAD_CURSOR for anything not ours. */
export function decodeCursor<T>(
  secret: string,
  accountId: string,
  kind: CursorKind,
  schema: z.ZodType<T>,
  cursor: string,
): T {
  const [body, signature, ...rest] = cursor.split('.');
  if (body === undefined || signature === undefined || rest.length > 0) throw badCursor();
  const expected = Buffer.from(sign(secret, body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw badCursor();
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  const parsed = envelope.safeParse(json);
  if (!parsed.success || parsed.data.a !== accountId || parsed.data.k !== kind) throw badCursor();
  const position = schema.safeParse(parsed.data.p);
  if (!position.success) throw badCursor();
  return position.data;
}

/** The longest cursor a position can encode to, for reserving its room in a response. */
export function encodedCursorLength(accountId: string, kind: CursorKind, position: unknown): number {
  const json = JSON.stringify({ v: 1, a: accountId, k: kind, p: position });
  return Math.ceil((Buffer.byteLength(json) * 4) / 3) + 1 + 43;
}

function sign(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('base64url');
}
