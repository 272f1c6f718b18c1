// An HTTP proxy in front of DynamoDB Local that answers, or breaks, calls as
// DynamoDB does under load: a throttle (400 ProvisionedThroughputExceeded),
// an internal error (500), a connection dropped before the request reached
// the table, or one dropped after it (the write landed, its answer lost).
// It counts the writes that landed, by item key, so a test can tell that
// nothing was written twice.
import { createServer, request as forward } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault = 'throttle' | 'error' | 'drop-before' | 'drop-after';

export type FaultProxy = {
  endpoint: string;
  /** Chooses a fault for each call (undefined: pass it through). */
  faults: (target: string) => Fault | undefined;
  /** Writes (PutItem) that reached the table and succeeded, by `pk/id`. */
  landed: Map<string, number>;
  /** Faults injected, by kind. */
  injected: Map<Fault, number>;
  close: () => Promise<void>;
};

const errorBody = (type: string, message: string) =>
  JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message });

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const proxy: FaultProxy = {
    endpoint: '',
    faults: () => undefined,
    landed: new Map(),
    injected: new Map(),
    close: async () => {},
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      const fault = proxy.faults(operation);
      if (fault) proxy.injected.set(fault, (proxy.injected.get(fault) ?? 0) + 1);
      const answer = (status: number, type: string, message: string) =>
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' }).end(errorBody(type, message));
      if (fault === 'throttle')
        return answer(400, 'ProvisionedThroughputExceededException', 'Rate of requests exceeds');
      if (fault === 'error') return answer(500, 'InternalServerError', 'Internal server error');
      if (fault === 'drop-before') return req.socket.destroy();
      const upstreamRequest = forward(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (upstreamResponse) => {
          const parts: Buffer[] = [];
          upstreamResponse.on('data', (c: Buffer) => parts.push(c));
          upstreamResponse.on('end', () => {
            if (operation === 'PutItem' && upstreamResponse.statusCode === 200) {
              const item = (JSON.parse(body.toString('utf8')) as { Item?: Record<string, { S?: string }> }).Item;
              const key = `${item?.pk?.S}/${item?.id?.S}`;
              proxy.landed.set(key, (proxy.landed.get(key) ?? 0) + 1);
            }
            if (fault === 'drop-after') return req.socket.destroy();
            res.writeHead(upstreamResponse.statusCode ?? 500, upstreamResponse.headers).end(Buffer.concat(parts));
          });
        },
      );
      upstreamRequest.on('error', () => req.socket.destroy());
      upstreamRequest.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return proxy;
}
