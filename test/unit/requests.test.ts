// The sync envelopes: all or nothing, checked before a single write.
import { describe, expect, it } from 'vitest';
import { checkEnvelope, idOf, pushRequest, syncNowRequest } from '../../protocol/requests.ts';

const T = 1_764_000_000_000;

describe('checkEnvelope', () => {
  it('rejects an unknown collection of any name, __proto__ included (never silently dropped)', () => {
    for (const name of ['prodcts', '__proto__', 'constructor', 'toString']) {
      const body = JSON.parse(`{"deviceId":"ipad-7","clientTime":${T},"changes":{"${name}":[{"id":"p1"}]}}`);
      const checked = checkEnvelope(pushRequest, body);
      expect(checked, name).toMatchObject({ ok: false, tooLarge: false, issues: [{ path: `changes.${name}` }] });
    }
  });

  it('names at most 20 unknown collections, each path cut to 200 characters', () => {
    const changes = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`${'c'.repeat(500)}${i}`, []]));
    const checked = checkEnvelope(pushRequest, { deviceId: 'ipad-7', clientTime: T, changes });
    expect(checked.ok).toBe(false);
    const issues = !checked.ok && !checked.tooLarge ? checked.issues : [];
    expect(issues).toHaveLength(20);
    for (const issue of issues) expect(issue.path.length).toBeLessThanOrEqual(200);
  });

  it('rejects a duplicate id within a collection without quoting it', () => {
    const records = [{ id: 'dup-secret' }, { id: 'dup-secret' }];
    const checked = checkEnvelope(pushRequest, { deviceId: 'ipad-7', clientTime: T, changes: { products: records } });
    expect(checked).toMatchObject({ ok: false, issues: [{ path: 'changes.products.1.id', message: 'duplicate id' }] });
  });

  it('is 413 past 1,000 records, before looking at their shape', () => {
    const checked = checkEnvelope(pushRequest, { changes: { products: Array.from({ length: 1001 }, () => 0) } });
    expect(checked).toStrictEqual({ ok: false, tooLarge: true });
  });

  it('takes clientTime up to 2^53 − 1 and not beyond', () => {
    expect(checkEnvelope(syncNowRequest, { deviceId: 'd', clientTime: Number.MAX_SAFE_INTEGER }).ok).toBe(true);
    expect(checkEnvelope(syncNowRequest, { deviceId: 'd', clientTime: 2 ** 53 }).ok).toBe(false);
  });

  it('takes a Sync Now cursor of up to 256 KiB (it may carry what a pass still owes)', () => {
    const cursor = 'c'.repeat(256 * 1024);
    expect(checkEnvelope(syncNowRequest, { deviceId: 'd', clientTime: T, cursor }).ok).toBe(true);
    expect(checkEnvelope(syncNowRequest, { deviceId: 'd', clientTime: T, cursor: `${cursor}c` }).ok).toBe(false);
  });
});

describe('idOf: which id an invalid record echoes', () => {
  it('a string of at most 128 characters, else null', () => {
    expect(idOf({ id: 'p1' })).toBe('p1');
    expect(idOf({ id: 'x'.repeat(128) })).toBe('x'.repeat(128));
    expect(idOf({ id: 'x'.repeat(129) })).toBeNull();
    expect(idOf({ id: 7 })).toBeNull();
    expect(idOf('p1')).toBeNull();
  });
});
