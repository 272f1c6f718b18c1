// The client's half of verify without a network: its digest against SHA-256
// as node:crypto computes it from the definition, its range index against a
// plain count, and its narrowing against a backend stood in by the server's
// own split (functions/core/verify.ts).
import { createHash } from 'node:crypto';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { digestOf, EMPTY_DIGEST, VersionIndex, versionShare } from '../../client/digest.ts';
import { ConfigurationError, MemoryStore, SyncClient, type SyncClientOptions } from '../../client/index.ts';
import { type Ask, narrowDown } from '../../client/verify.ts';
import { splitIntoParts } from '../../functions/core/verify.ts';

/** The definition, read off docs/protocol.md. */
const share = (id: string, updatedAt: number) =>
  createHash('sha256').update(`${id}\n${updatedAt}`, 'utf8').digest().readBigUInt64BE(0);
const digest = (versions: { id: string; updatedAt: number }[]) =>
  versions
    .reduce((sum, v) => (sum + share(v.id, v.updatedAt)) % 2n ** 64n, 0n)
    .toString(16)
    .padStart(16, '0');

const id = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,20}$/);
const updatedAt = fc.integer({ min: 946_684_800_001, max: Number.MAX_SAFE_INTEGER });
const versions = fc.uniqueArray(fc.record({ id, updatedAt }), { selector: (v) => v.id, maxLength: 60 });

describe('the client digest', () => {
  it('matches the worked example in docs/protocol.md', () => {
    expect(versionShare({ id: 'p-1', updatedAt: 1795700103288 }).toString(16)).toBe('72ca9e00f1bf2f21');
    expect(
      digestOf([
        { id: 'p-1', updatedAt: 1795700103288 },
        { id: 'p-2', updatedAt: 1795700179768 },
      ]),
    ).toBe('76993e509160b4c0');
    expect(digestOf([])).toBe(EMPTY_DIGEST);
  });

  test.prop([versions])('is SHA-256 as node:crypto computes it, summed modulo 2^64, in any order', (vs) => {
    expect(digestOf(vs)).toBe(digest(vs));
    expect(digestOf([...vs].reverse())).toBe(digest(vs));
  });

  test.prop([versions, fc.option(id), fc.option(id)])(
    'counts and digests any id range [from, to) as a plain filter does',
    (vs, from, to) => {
      const inside = vs.filter((v) => (from === null || v.id >= from) && (to === null || v.id < to));
      const range = new VersionIndex(vs).range(from, to);
      expect(range.count).toBe(inside.length);
      expect(range.digest).toBe(digest(inside));
      expect(range.ids).toStrictEqual(inside.map((v) => v.id).sort());
    },
  );
});

/** A backend holding `held`, answering verify as the server splits ranges; counts its requests. */
function backend(held: { id: string; updatedAt: number }[], parts: number) {
  const sorted = [...held].sort((a, b) => (a.id < b.id ? -1 : 1)).map((v) => ({ ...v, deleted: false }));
  const calls: { from: string | null; to: string | null }[] = [];
  const ask: Ask = async (from, to) => {
    calls.push({ from, to });
    const live = sorted.filter((v) => (from === null || v.id >= from) && (to === null || v.id < to));
    return splitIntoParts(live, from, to, parts);
  };
  return { ask, calls };
}

const pad = (n: number) => `p-${String(n).padStart(5, '0')}`;
const catalogue = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: pad(i), updatedAt: 1_800_000_000_000 + i }));

describe('narrowing down', () => {
  it('asks once for a matching collection', async () => {
    const held = catalogue(1000);
    const { ask, calls } = backend(held, 16);
    const check = await narrowDown('products', new VersionIndex(held), ask, { smallRange: 32, concurrency: 4 });
    expect(check).toStrictEqual({
      collection: 'products',
      matched: true,
      backendCount: 1000,
      localCount: 1000,
      differing: [],
    });
    expect(calls).toHaveLength(1);
  });

  it('narrows one difference in 10,000 down to a range of at most 32, in a few requests', async () => {
    const held = catalogue(10_000);
    const local = held.map((v) => (v.id === pad(4321) ? { ...v, updatedAt: v.updatedAt - 1 } : v));
    const { ask, calls } = backend(held, 16);
    const check = await narrowDown('products', new VersionIndex(local), ask, { smallRange: 32, concurrency: 4 });
    expect(check.matched).toBe(false);
    expect(check.differing).toHaveLength(1);
    const [range] = check.differing;
    expect(range!.backendCount).toBeLessThanOrEqual(32);
    expect(range!.localIds).toContain(pad(4321));
    expect(calls.length).toBeLessThanOrEqual(4); // 10,000 → 625 → 40 → 3
  });

  it('stops at a range the backend answers with itself rather than asking forever', async () => {
    const stubborn: Ask = async (from, to) => [{ from, to, count: 100, digest: EMPTY_DIGEST }];
    const check = await narrowDown('products', new VersionIndex([]), stubborn, { smallRange: 32, concurrency: 4 });
    expect(check.differing).toStrictEqual([{ from: null, to: null, backendCount: 100, localCount: 0, localIds: [] }]);
  });

  test.prop([
    versions,
    fc.array(fc.record({ id, updatedAt }), { maxLength: 8 }),
    fc.array(fc.nat(), { maxLength: 8 }),
    fc.integer({ min: 2, max: 16 }),
    fc.integer({ min: 1, max: 8 }),
  ])(
    'every id the device and the backend disagree on lies in a differing range; none when they agree',
    async (held, extra, dropped, parts, smallRange) => {
      const drop = new Set(dropped.map((i) => held[i % Math.max(1, held.length)]?.id));
      const local = [...held.filter((v) => !drop.has(v.id)), ...extra.filter((e) => !held.some((v) => v.id === e.id))];
      const localById = new Map(local.map((v) => [v.id, v.updatedAt]));
      const heldById = new Map(held.map((v) => [v.id, v.updatedAt]));
      const disagree = [...new Set([...localById.keys(), ...heldById.keys()])].filter(
        (k) => localById.get(k) !== heldById.get(k),
      );
      const { ask } = backend(held, parts);
      const check = await narrowDown('products', new VersionIndex(local), ask, { smallRange, concurrency: 2 });
      expect(check.matched).toBe(disagree.length === 0);
      for (const k of disagree) {
        expect(
          check.differing.some((r) => (r.from === null || k >= r.from) && (r.to === null || k < r.to)),
          k,
        ).toBe(true);
      }
      for (const r of check.differing) expect(r.backendCount).toBeLessThanOrEqual(smallRange);
    },
  );
});

describe('verify options', () => {
  const client = (verify: SyncClientOptions['verify']) =>
    new SyncClient({ baseUrl: 'http://x', deviceId: 'ipad-1', token: () => 't', store: new MemoryStore(), verify });
  it('refuses at construction what the server would refuse, or what could not narrow down', () => {
    for (const bad of [{ parts: 1 }, { parts: 65 }, { parts: 2.5 }, { smallRange: 0 }, { concurrency: 0 }]) {
      expect(() => client(bad), JSON.stringify(bad)).toThrow(ConfigurationError);
    }
    expect(() => client({ parts: 64, smallRange: 1, concurrency: 1 })).not.toThrow();
    expect(() => client(undefined)).not.toThrow();
  });
});
