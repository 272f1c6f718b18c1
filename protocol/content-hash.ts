// A version's content hash (docs/protocol.md, "Content hash"), one
// definition for the server and every client: SHA-256, as 64 lowercase hex
// digits, over the UTF-8 bytes of the RFC 8785 (JSON Canonicalization Scheme)
// serialization of the version's content — a live record's members less
// `id`, `updatedAt`, `deleted`, `updatedBy` and `base`; for a tombstone,
// `{"deleted":true}`. The push rules compare versions by it (an echo of what
// the backend holds is `unchanged`), and verify digest v2 covers it.
//
// RFC 8785 for the values a record can hold (objects, arrays, strings,
// finite numbers, booleans) is ECMAScript's own JSON serialization with
// object members sorted by their names' UTF-16 code units, which is what
// JavaScript's default sort compares. A lone surrogate cannot be
// canonicalized the same way everywhere, so records must not hold one
// (fields.ts `firstIllFormedString`). SHA-256 from @noble/hashes: pure JS,
// synchronous, and on React Native's Hermes too.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/** The members of a record that are not its content. Closed: a member the protocol adds later is content. */
export const NOT_CONTENT: readonly string[] = ['id', 'updatedAt', 'deleted', 'updatedBy', 'base'];

const utf8 = new TextEncoder();

/** RFC 8785's serialization of a JSON value of the kinds a record holds. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('a record cannot hold a number that is not finite');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const members = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${members.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new TypeError(`a record cannot hold a ${typeof value}`);
}

/** What a version's content is: its members less the protocol's own, or `{deleted: true}` for a tombstone. */
export function contentOf(record: Record<string, unknown>): Record<string, unknown> {
  if (record.deleted === true) return { deleted: true };
  return Object.fromEntries(Object.entries(record).filter(([key]) => !NOT_CONTENT.includes(key)));
}

/** The text a content hash is taken over: the RFC 8785 serialization of the record's content. */
export function canonicalContent(record: Record<string, unknown>): string {
  return canonicalJson(contentOf(record));
}

/** The content hash of a record (live or tombstone) as the wire carries it. */
export function contentHash(record: Record<string, unknown>): string {
  return bytesToHex(sha256(utf8.encode(canonicalContent(record))));
}

/** The content hash of every tombstone: SHA-256 of `{"deleted":true}`. */
export const TOMBSTONE_HASH = '1b70b1c98c544d975c39049311ab1d24ed1d87aedc2874bdc946d39bd421b4b8';
