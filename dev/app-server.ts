// What `npm start` serves next to the API: the reference app at /app/ (built
// from app/main.ts and app/app.css with esbuild, in memory, when the server
// starts) and, for it alone, POST /dev/token — a local token for any account
// and user, as a real app would get one from its sign-in. Never deployed.
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { build, transform } from 'esbuild';
import * as z from 'zod';
import { signLocalToken } from './local-token.ts';

const APP = fileURLToPath(new URL('../app/', import.meta.url));

/** A token request is two short names: a few KB is plenty, and nothing larger is read. */
export const TOKEN_BODY_BYTES = 4 * 1024;

/**
 * What every /app/ response carries. The page runs only the script and the
 * stylesheet it is served with (no inline script or style, no eval), talks
 * only to this origin, and may not be framed (clickjacking).
 */
const APP_HEADERS = {
  'content-security-policy': [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export type AppServer = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** Builds the app and returns a handler for /app/ and /dev/token (true when it answered). */
export async function appServer(jwtSecret: string): Promise<AppServer & { bytes: number }> {
  const bundle = await build({
    entryPoints: [`${APP}main.ts`],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'warning',
  });
  const script = bundle.outputFiles[0]!.contents;
  const style = (await transform(readFileSync(`${APP}app.css`, 'utf8'), { loader: 'css', minify: true })).code;
  const page = readFileSync(`${APP}index.html`);
  const tokenRequest = z.object({ accountId: z.string().min(1).max(128), userId: z.string().min(1).max(128) });
  const assets: Record<string, [type: string, body: string | Uint8Array]> = {
    '/app': ['text/html; charset=utf-8', page],
    '/app/': ['text/html; charset=utf-8', page],
    '/app/main.js': ['text/javascript; charset=utf-8', script],
    '/app/app.css': ['text/css; charset=utf-8', style],
  };

  const serve: AppServer = async (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const asset = assets[path];
    if (req.method === 'GET' && asset) {
      res.writeHead(200, { ...APP_HEADERS, 'content-type': asset[0] }).end(asset[1]);
      return true;
    }
    if (req.method === 'POST' && path === '/dev/token') {
      // Refusals close the connection, so Node does not read what is left of the body to reuse it.
      const refuse = (status: number, error: string) =>
        void res
          .writeHead(status, { 'content-type': 'application/json', connection: 'close' })
          .end(JSON.stringify({ error }));
      if (!isLoopbackName(req.headers.host)) {
        refuse(403, 'tokens are issued only to http://localhost or http://127.0.0.1');
        return true;
      }
      const body = await readBounded(req, TOKEN_BODY_BYTES);
      if (body === null) {
        refuse(413, `a token request is at most ${TOKEN_BODY_BYTES} bytes`);
        return true;
      }
      const parsed = tokenRequest.safeParse(safeJson(body.toString('utf8')));
      if (!parsed.success) {
        refuse(400, 'accountId and userId');
        return true;
      }
      const token = await signLocalToken(jwtSecret, parsed.data.accountId, parsed.data.userId);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token }));
      return true;
    }
    return false;
  };
  return Object.assign(serve, { bytes: script.length });
}

/**
 * Whether the Host header names this machine. A page on any site can point
 * its own DNS name at 127.0.0.1 (DNS rebinding) and so reach this server as
 * "same origin"; its requests still carry that name, so only loopback names
 * are answered, on any port.
 */
function isLoopbackName(host: string | undefined): boolean {
  const name = host?.replace(/:\d+$/, '').toLowerCase();
  return name === 'localhost' || name === '127.0.0.1' || name === '[::1]';
}

/** The body, or null as soon as it is (or says it will be) over `limit` bytes; the rest is never read. */
function readBounded(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  if (Number(req.headers['content-length'] ?? 0) > limit) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      // Stop reading; the 413 closes the connection. (Breaking a for-await would destroy the socket first.)
      req.off('data', onData).pause();
      resolve(null);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
