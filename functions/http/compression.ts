// HTTP compression (docs/protocol.md, "Compression"): a request body may come
// gzip (inflated with the body limit as a hard stop, so a gzip bomb is a fast
// 413 that never allocates its whole), and a response over 1 KiB goes gzip
// or br when the client offers it — base64 in the proxy result, as API
// Gateway expects binary — unless that would be larger than the plain body.
// The page budget measures pages with exactly the encoder they are sent with.
import { brotliCompressSync, constants, gunzipSync, gzipSync } from 'node:zlib';
import { COMPRESS_ABOVE_BYTES, MAX_BODY_BYTES } from '../../protocol/limits.ts';
import { DomainError } from '../core/errors.ts';

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

type Result = {
  statusCode?: number;
  headers?: Record<string, string | number | boolean>;
  body?: string;
  isBase64Encoded?: boolean;
};

/** The request body as bytes, inflated if it came gzip; 415 for another encoding, 413 past the limit, 400 for bad gzip. */
export function requestBody(body: Buffer, contentEncoding: string | undefined): Buffer {
  const encoding = contentEncoding?.trim().toLowerCase();
  if (encoding === undefined || encoding === '' || encoding === 'identity') return body;
  if (encoding !== 'gzip')
    throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'the only request encoding accepted is gzip');
  try {
    // One byte past the limit is enough to know it is too large; inflation stops there.
    return gunzipSync(body, { maxOutputLength: MAX_BODY_BYTES + 1 });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DomainError('PAYLOAD_TOO_LARGE', `the body inflates past ${MAX_BODY_BYTES} bytes`);
    }
    throw new DomainError('BAD_REQUEST', 'the body is not valid gzip');
  }
}

/** Which encoding to answer in: br or gzip when offered (and not refused with q=0), else none. */
export function chooseEncoding(acceptEncoding: string | undefined): ResponseEncoding | null {
  const offered = new Map<string, number>();
  for (const part of (acceptEncoding ?? '').toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    const q = params.map((p) => /^\s*q=([0-9.]+)/.exec(p)?.[1]).find(Boolean);
    if (name) offered.set(name.trim(), q === undefined ? 1 : Number(q));
  }
  const acceptable = (name: string) => (offered.get(name) ?? offered.get('*') ?? 0) > 0;
  if (acceptable('br')) return 'br';
  if (acceptable('gzip')) return 'gzip';
  return null;
}

/**
 * The response in `encoding` (chooseEncoding's answer for this request),
 * when the body is large enough and it comes out smaller. A page sized for
 * compression fits either way: its budget counted the compressed bytes
 * (page-budget.ts), and plain is sent only when it is smaller still.
 */
export function compressResponse<T extends Result>(result: T, encoding: ResponseEncoding | null): T {
  const { body } = result;
  if (body === undefined || result.isBase64Encoded || Buffer.byteLength(body) <= COMPRESS_ABOVE_BYTES) return result;
  const headers = { ...result.headers, vary: 'Accept-Encoding' };
  if (encoding === null) return { ...result, headers };
  const base64 = compressBody(encoding, Buffer.from(body)).toString('base64');
  // What travels in the proxy result, in bytes: base64 as is, the plain body escaped as a JSON string (UTF-8).
  if (base64.length >= Buffer.byteLength(JSON.stringify(body))) return { ...result, headers };
  return { ...result, headers: { ...headers, 'content-encoding': encoding }, body: base64, isBase64Encoded: true };
}
