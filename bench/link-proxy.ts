// A network link between a device and the API, at the TCP level: every byte
// crossing it waits for its direction's bandwidth (a token bucket, up and
// down apart) and then for the one-way latency. Connection set-up costs a
// round trip, as a TCP handshake does. It counts the bytes and connections
// that crossed, so a scenario's "physical cost" — what the link could not
// have done faster — is computed from what really moved.
import { connect, createServer, type Server, type Socket } from 'node:net';

export type LinkProfile = {
  name: string;
  /** Round-trip time, ms. */
  rttMs: number;
  /** Bandwidth, bits per second, device → API and API → device. */
  upBps: number;
  downBps: number;
};

export const TRADE_SHOW_WIFI: LinkProfile = { name: 'trade-show Wi-Fi', rttMs: 300, upBps: 0.5e6, downBps: 2e6 };
export const FOUR_G: LinkProfile = { name: '4G', rttMs: 60, upBps: 5e6, downBps: 20e6 };

export type LinkCounters = { up: number; down: number; connections: number };

/** A burst the bucket holds: about one TCP window's worth in flight. */
const BUCKET_BYTES = 16 * 1024;

/**
 * One direction of the link. Chunks leave in order: each piece waits until
 * the bucket holds its size in tokens (refilled at the bandwidth), then
 * arrives one-way latency later.
 */
class Direction {
  private tokens = BUCKET_BYTES;
  private refilledAt = performance.now();
  /** When the previous piece finished its turn on the wire: order is kept. */
  private freeAt = 0;

  constructor(
    private readonly bytesPerMs: number,
    private readonly latencyMs: number,
  ) {}

  /** When a piece of `bytes` sent now arrives at the far end (ms, performance.now() clock). */
  arrival(bytes: number): number {
    const now = Math.max(performance.now(), this.freeAt);
    this.tokens = Math.min(BUCKET_BYTES, this.tokens + (now - this.refilledAt) * this.bytesPerMs);
    this.refilledAt = now;
    const wait = this.tokens >= bytes ? 0 : (bytes - this.tokens) / this.bytesPerMs;
    this.tokens -= bytes; // may go negative while waiting: the wait pays it back
    this.freeAt = now + wait;
    return this.freeAt + this.latencyMs;
  }
}

/** Forwards `from` to `to` through `direction`, keeping order, counting bytes. */
function pipeThrough(from: Socket, to: Socket, direction: Direction, count: (n: number) => void): void {
  let last = Promise.resolve();
  from.on('data', (chunk: Buffer) => {
    count(chunk.length);
    for (let offset = 0; offset < chunk.length; offset += BUCKET_BYTES) {
      const piece = chunk.subarray(offset, offset + BUCKET_BYTES);
      const at = direction.arrival(piece.length);
      last = last.then(
        () =>
          new Promise<void>((resolve) =>
            setTimeout(
              () => {
                if (!to.destroyed) to.write(piece);
                resolve();
              },
              Math.max(0, at - performance.now()),
            ),
          ),
      );
    }
  });
  from.on('end', () => {
    void last.then(() => to.end());
  });
  from.on('error', () => to.destroy());
}

export async function startLink(
  target: string,
  profile: LinkProfile,
): Promise<{ url: string; counters: LinkCounters; reset: () => void; close: () => Promise<void> }> {
  const { hostname, port } = new URL(target);
  const counters: LinkCounters = { up: 0, down: 0, connections: 0 };
  const oneWay = profile.rttMs / 2;
  // One pair of buckets for the link, shared by every connection on it, as one radio is.
  const up = new Direction(profile.upBps / 8 / 1000, oneWay);
  const down = new Direction(profile.downBps / 8 / 1000, oneWay);
  const sockets = new Set<Socket>();
  const server: Server = createServer((device) => {
    counters.connections += 1;
    device.pause();
    const api = connect(Number(port), hostname);
    sockets.add(device).add(api);
    // The handshake: SYN out, SYN-ACK back, before the first byte of the request goes.
    setTimeout(() => {
      pipeThrough(device, api, up, (n) => {
        counters.up += n;
      });
      pipeThrough(api, device, down, (n) => {
        counters.down += n;
      });
      device.resume();
    }, profile.rttMs);
    const forget = () => {
      sockets.delete(device);
      sockets.delete(api);
    };
    device.on('close', () => {
      api.destroy();
      forget();
    });
    api.on('close', () => {
      device.destroy();
      forget();
    });
    api.on('error', () => device.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const proxyPort = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${proxyPort}`,
    counters,
    reset: () => {
      counters.up = 0;
      counters.down = 0;
      counters.connections = 0;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * What the link cannot do faster: the bytes at its bandwidth, each way, and
 * a round trip per request and per connection opened (seconds).
 */
export function physicalCost(profile: LinkProfile, moved: LinkCounters, requests: number): number {
  const transfer = (moved.up * 8) / profile.upBps + (moved.down * 8) / profile.downBps;
  return transfer + ((requests + moved.connections) * profile.rttMs) / 1000;
}
