// The benchmark's link (bench/link-proxy.ts) holds to its profile: bytes
// cross no faster than the bandwidth of their direction, a connection costs
// a round trip, and the bytes are counted. Lower bounds are physics and are
// asserted tightly; upper bounds only loosely (a busy 2-core machine delays
// timers, it never speeds them up).
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { physicalCost, startLink } from '../../bench/link-proxy.ts';

let server: Server;
let target: string;
const payload = Buffer.alloc(64 * 1024, 'x');
beforeAll(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    res.end(req.url === '/big' ? payload : String(Buffer.concat(chunks).length));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  target = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the benchmark link', () => {
  it('takes the down link bandwidth and the round trips, and counts the bytes', async () => {
    const profile = { name: 'test', rttMs: 100, upBps: 8e6, downBps: 1e6 };
    const link = await startLink(target, profile);
    try {
      const t = performance.now();
      const body = await (await fetch(`${link.url}/big`)).arrayBuffer();
      const seconds = (performance.now() - t) / 1000;
      expect(body.byteLength).toBe(payload.length);
      expect(link.counters.down).toBeGreaterThan(payload.length);
      expect(link.counters.connections).toBe(1);
      const physical = physicalCost(profile, link.counters, 1);
      // 64 KiB at 1 Mbit/s is 0.52 s, plus the handshake and the request's round trip, less one bucket's burst.
      expect(physical).toBeGreaterThan(0.7);
      expect(seconds).toBeGreaterThan(physical - (16 * 1024 * 8) / profile.downBps - 0.01);
      expect(seconds).toBeLessThan(3 * physical);
    } finally {
      await link.close();
    }
  });

  it('takes the up link bandwidth on its own', async () => {
    const profile = { name: 'test', rttMs: 20, upBps: 1e6, downBps: 100e6 };
    const link = await startLink(target, profile);
    try {
      const t = performance.now();
      const answer = await (await fetch(`${link.url}/echo`, { method: 'POST', body: payload })).text();
      const seconds = (performance.now() - t) / 1000;
      expect(answer).toBe(String(payload.length));
      expect(link.counters.up).toBeGreaterThan(payload.length);
      expect(seconds).toBeGreaterThan(((payload.length - 16 * 1024) * 8) / profile.upBps);
      expect(seconds).toBeLessThan(3 * physicalCost(profile, link.counters, 1));
    } finally {
      await link.close();
    }
  });
});
