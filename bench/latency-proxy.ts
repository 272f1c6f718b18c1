// A phone on a cellular network, roughly: every HTTP request through this
// proxy takes 25 ms longer on the way in and 25 ms on the way out (50 ms RTT).
import { createServer, request, type Server } from 'node:http';

export async function startLatencyProxy(
  target: string,
  oneWayMs = 25,
): Promise<{ url: string; close: () => Promise<void> }> {
  const { hostname, port } = new URL(target);
  const delay = () => new Promise((r) => setTimeout(r, oneWayMs));
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    await delay();
    const upstream = request(
      { hostname, port, path: req.url, method: req.method, headers: req.headers },
      async (response) => {
        const body: Buffer[] = [];
        for await (const chunk of response) body.push(chunk as Buffer);
        await delay();
        res.writeHead(response.statusCode ?? 502, response.headers);
        res.end(Buffer.concat(body));
      },
    );
    upstream.end(Buffer.concat(chunks));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const proxyPort = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${proxyPort}`,
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
