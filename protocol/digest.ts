// The verify digest (docs/protocol.md, "Verify"), one implementation for
// the server and every client: per record the first 8 bytes of SHA-256 over
// UTF-8 `id + "\n" + updatedAt` (v1) or `id + "\n" + updatedAt + "\n" +
// contentHash` (v2, which sees content too) read as an unsigned big-endian
// integer, summed modulo 2^64, as 16 lowercase hex digits. SHA-256 comes from
// @noble/hashes, synchronous and pure JS: React Native's Hermes has no
// WebCrypto, and a digest per record through an async API would cost a
// microtask each for nothing.
import { sha256 } from '@noble/hashes/sha2.js';

/** The digest of no records. */
export const EMPTY_DIGEST = '0000000000000000';

const utf8 = new TextEncoder();

/** The digest definitions: v1 covers id and updatedAt, v2 the content hash too. */
export const DIGEST_VERSIONS = ['v1', 'v2'] as const;
export type DigestVersion = (typeof DIGEST_VERSIONS)[number];

/** What a digest covers of one record (`contentHash` is read by v2 only). */
export type DigestedVersion = { id: string; updatedAt: number; contentHash?: string };

/** One record's share of a digest. */
export function versionShare({ id, updatedAt, contentHash }: DigestedVersion, version: DigestVersion = 'v1'): bigint {
  if (version === 'v2' && contentHash === undefined) throw new Error("digest v2 needs each record's content hash");
  const text = version === 'v1' ? `${id}\n${updatedAt}` : `${id}\n${updatedAt}\n${contentHash}`;
  const hash = sha256(utf8.encode(text));
  const view = new DataView(hash.buffer, hash.byteOffset, 8);
  // Two 32-bit reads: DataView.getBigUint64 is not everywhere a React Native app runs.
  return (BigInt(view.getUint32(0)) << 32n) | BigInt(view.getUint32(4));
}

/** A sum of shares, modulo 2^64, as the 16 hex digits of a digest. */
export const digestHex = (sum: bigint) => BigInt.asUintN(64, sum).toString(16).padStart(16, '0');

/** The digest of a set of versions, in any order. */
export function digestOf(versions: Iterable<DigestedVersion>, version: DigestVersion = 'v1'): string {
  let sum = 0n;
  for (const v of versions) sum += versionShare(v, version);
  return digestHex(sum);
}

/**
 * Ids in the protocol's order: as UTF-8 bytes, which for the protocol's ids
 * (all ASCII) is JavaScript's own string order.
 */
export const compareIds = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
