// What `npm start` serves next to the API: the reference app at /app/ (built
// from app/main.ts with esbuild, in memory, when the server starts) and, for
// it alone, POST /dev/token — a local token for any account and user, as a
// real app would get one from its sign-in. Never deployed.
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import * as z from 'zod';
import { signLocalToken } from './local-token.ts';

const APP = fileURLToPath(new URL('../app/', import.meta.url));

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
  const page = readFileSync(`${APP}index.html`);
  const tokenRequest = z.object({ accountId: z.string().min(1).max(128), userId: z.string().min(1).max(128) });

  const serve: AppServer = async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && (path === '/app' || path === '/app/')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
      return true;
    }
    if (req.method === 'GET' && path === '/app/main.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(script);
      return true;
    }
    if (req.method === 'POST' && path === '/dev/token') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const parsed = tokenRequest.safeParse(safeJson(Buffer.concat(chunks).toString('utf8')));
      if (!parsed.success) {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"accountId and userId"}');
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

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
