// The verify digest (docs/protocol.md, "Verify"), computed on the device:
// per record the first 8 bytes of SHA-256 over UTF-8 `id + "\n" + updatedAt`
// read as an unsigned big-endian integer, summed modulo 2^64, as 16
// lowercase hex digits. SHA-256 comes from @noble/hashes, synchronous and
// pure JS: React Native's Hermes has no WebCrypto, and a digest per record
// through an async API would cost a microtask each for nothing.
import { sha256 } from '@noble/hashes/sha2.js';

/** The digest of no records. */
export const EMPTY_DIGEST = '0000000000000000';

const utf8 = new TextEncoder();

/** One record's share of a digest. */
export function versionShare(id: string, updatedAt: number): bigint {
  const hash = sha256(utf8.encode(`${id}\n${updatedAt}`));
  const view = new DataView(hash.buffer, hash.byteOffset, 8);
  // Two 32-bit reads: DataView.getBigUint64 is not everywhere a React Native app runs.
  return (BigInt(view.getUint32(0)) << 32n) | BigInt(view.getUint32(4));
}

const hex = (sum: bigint) => BigInt.asUintN(64, sum).toString(16).padStart(16, '0');

/** The digest of a set of versions, in any order. */
export function digestOf(versions: Iterable<{ id: string; updatedAt: number }>): string {
  let sum = 0n;
  for (const { id, updatedAt } of versions) sum += versionShare(id, updatedAt);
  return hex(sum);
}

/**
 * Ids in the protocol's order: as UTF-8 bytes, which for the protocol's ids
 * (all ASCII) is JavaScript's own string order.
 */
export const compareIds = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * One collection of the device's view of the backend, sorted by id, with
 * running sums of the shares: the count and digest of any id range `[from,
 * to)` (null: unbounded) cost two binary searches, however often verify
 * narrows down.
 */
export class VersionIndex {
  private readonly ids: string[];
  /** sums[i]: the shares of the first i versions, modulo 2^64. */
  private readonly sums: bigint[];

  constructor(versions: { id: string; updatedAt: number }[]) {
    const sorted = [...versions].sort((a, b) => compareIds(a.id, b.id));
    this.ids = sorted.map((v) => v.id);
    this.sums = [0n];
    for (const v of sorted) this.sums.push(BigInt.asUintN(64, this.sums.at(-1)! + versionShare(v.id, v.updatedAt)));
  }

  get size(): number {
    return this.ids.length;
  }

  /** Count, digest and ids of the versions with `from` ≤ id < `to`. */
  range(from: string | null, to: string | null): { count: number; digest: string; ids: string[] } {
    const lo = from === null ? 0 : this.firstAtLeast(from);
    const hi = Math.max(lo, to === null ? this.ids.length : this.firstAtLeast(to));
    return { count: hi - lo, digest: hex(this.sums[hi]! - this.sums[lo]!), ids: this.ids.slice(lo, hi) };
  }

  private firstAtLeast(id: string): number {
    let lo = 0;
    let hi = this.ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareIds(this.ids[mid]!, id) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
