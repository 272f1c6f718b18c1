// The device's view of the backend, indexed for verify: the digest itself
// is the protocol's (protocol/digest.ts), shared with the server.
import { compareIds, type DigestedVersion, type DigestVersion, digestHex, versionShare } from '../protocol/digest.ts';

export {
  compareIds,
  type DigestedVersion,
  type DigestVersion,
  digestOf,
  EMPTY_DIGEST,
  versionShare,
} from '../protocol/digest.ts';

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

  /** `digest`: which definition the shares follow (v2, which sees content, needs each version's content hash). */
  constructor(
    versions: DigestedVersion[],
    readonly digest: DigestVersion = 'v1',
  ) {
    const sorted = [...versions].sort((a, b) => compareIds(a.id, b.id));
    this.ids = sorted.map((v) => v.id);
    this.sums = [0n];
    for (const v of sorted) this.sums.push(BigInt.asUintN(64, this.sums.at(-1)! + versionShare(v, digest)));
  }

  get size(): number {
    return this.ids.length;
  }

  /** Count, digest and ids of the versions with `from` ≤ id < `to`. */
  range(from: string | null, to: string | null): { count: number; digest: string; ids: string[] } {
    const lo = from === null ? 0 : this.firstAtLeast(from);
    const hi = Math.max(lo, to === null ? this.ids.length : this.firstAtLeast(to));
    return { count: hi - lo, digest: digestHex(this.sums[hi]! - this.sums[lo]!), ids: this.ids.slice(lo, hi) };
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
