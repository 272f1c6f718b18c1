// The protocol's content hash (protocol/content-hash.ts) computed with
// Node's own SHA-256: the same value, from the same canonical text, without
// a JavaScript SHA-256 in every function's bundle (the SDK, which has no
// node:crypto on a phone, uses the protocol's).
import { createHash } from 'node:crypto';
import { canonicalContent } from '../../protocol/content-hash.ts';

export { TOMBSTONE_HASH } from '../../protocol/content-hash.ts';

export function contentHash(record: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalContent(record), 'utf8').digest('hex');
}
