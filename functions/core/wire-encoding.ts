// How a response body is compressed, in one place: the page budget measures
// pages with exactly the encoder the handler then sends them with.
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

export type ResponseEncoding = 'br' | 'gzip';

/** Brotli's default (11) costs ~900 ms a page; 5 is within a few percent of it, in ~10 ms. */
const BROTLI_QUALITY = 5;

export function compressBody(encoding: ResponseEncoding, plain: Buffer): Buffer {
  return encoding === 'br'
    ? brotliCompressSync(plain, { params: { [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY } })
    : gzipSync(plain);
}

/** Length of `bytes` bytes once base64-encoded, as API Gateway takes a binary body. */
export function base64Length(bytes: number): number {
  return 4 * Math.ceil(bytes / 3);
}
