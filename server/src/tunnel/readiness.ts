import { request } from 'node:http';
import { createServer } from 'node:net';

/** cloudflared's `/ready`: 200 once at least one edge connection is up. A hang counts as not ready. */
export function probeReady(metrics: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`http://${metrics}/ready`, { timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** A free loopback port for cloudflared's metrics server. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
