import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../functions/core/cursor.ts';
import { DomainError } from '../../functions/core/errors.ts';
import { syncPosition } from '../../functions/core/feed.ts';

const secret = 'unit-secret';
const position = {
  since: 1_764_000_000_000,
  start: 1_764_000_100_000,
  done: ['products'],
  col: 'customers',
  key: { id: 'c9', changedAt: 1_764_000_050_000 },
};

describe('cursor', () => {
  it('round-trips a position for its account', () => {
    const cursor = encodeCursor(secret, 'acme', 'sync', position);
    expect(decodeCursor(secret, 'acme', 'sync', syncPosition, cursor)).toEqual(position);
  });

  const rejects = (name: string, cursor: () => string, account = 'acme', kind: 'sync' | 'list' = 'sync') =>
    it(name, () => {
      expect(() => decodeCursor(secret, account, kind, syncPosition, cursor())).toThrow(
        expect.objectContaining({ code: 'BAD_CURSOR' }),
      );
      expect(() => decodeCursor(secret, account, kind, syncPosition, cursor())).toThrow(DomainError);
    });

  rejects('rejects a cursor issued to another account', () => encodeCursor(secret, 'globex', 'sync', position));
  rejects('rejects a cursor of another kind', () => encodeCursor(secret, 'acme', 'list', position));
  rejects('rejects a verify cursor as a Sync Now cursor', () => encodeCursor(secret, 'acme', 'verify', position));
  rejects('rejects a cursor signed with another secret', () => encodeCursor('other', 'acme', 'sync', position));
  rejects('rejects an edited body with the old signature', () => {
    const [, signature] = encodeCursor(secret, 'acme', 'sync', position).split('.');
    const forged = Buffer.from(JSON.stringify({ v: 1, a: 'acme', k: 'sync', p: { since: 0 } })).toString('base64url');
    return `${forged}.${signature}`;
  });
  rejects('rejects garbage', () => 'not-a-cursor');
  rejects('rejects an empty signature', () => `${encodeCursor(secret, 'acme', 'sync', position).split('.')[0]}.`);
  rejects('rejects extra segments', () => `${encodeCursor(secret, 'acme', 'sync', position)}.x`);
  rejects('rejects a signed position of the wrong shape', () =>
    encodeCursor(secret, 'acme', 'sync', { since: 'yesterday' }),
  );
});
