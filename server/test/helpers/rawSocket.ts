import http from 'node:http';
import net from 'node:net';

/**
 * A plain TCP client for tests about what a hostile or slow client can hold: it writes exactly what it is
 * told, when it is told, and records what the server answered and whether the server closed it.
 */
export class RawClient {
  readonly socket: net.Socket;
  received = '';
  closed = false;
  readonly #connected: Promise<void>;
  readonly #closedPromise: Promise<void>;
  #trickle: NodeJS.Timeout | undefined;

  constructor(url: string) {
    const { hostname, port } = new URL(url);
    this.socket = net.connect({ host: hostname, port: Number(port) });
    this.socket.setEncoding('latin1');
    this.socket.on('data', (chunk: string) => (this.received += chunk));
    // A reset or EPIPE is one of the ways a server ends a connection: recorded as closed, not thrown.
    this.socket.on('error', () => undefined);
    this.#connected = new Promise((resolve) => this.socket.once('connect', () => resolve()));
    this.#closedPromise = new Promise((resolve) =>
      this.socket.once('close', () => {
        this.closed = true;
        this.stopTrickle();
        resolve();
      }),
    );
  }

  connected(): Promise<void> {
    return this.#connected;
  }

  write(text: string): void {
    if (!this.closed) this.socket.write(text);
  }

  /**
   * Writes `total` bytes of `fill` in 64 KiB chunks, each after the previous one was accepted; resolves
   * with the error that stopped it (EPIPE, ECONNRESET: the server closed mid-body) or undefined.
   */
  async writeBody(total: number, fill = 'x'): Promise<Error | undefined> {
    const chunk = fill.repeat(64 * 1024);
    let failure: Error | undefined;
    const onError = (error: Error) => (failure ??= error);
    this.socket.on('error', onError);
    try {
      for (let sent = 0; sent < total && !failure; sent += chunk.length) {
        const piece = total - sent < chunk.length ? chunk.slice(0, total - sent) : chunk;
        await new Promise<void>((resolve) =>
          this.socket.write(piece, (error) => {
            if (error) failure ??= error;
            resolve();
          }),
        );
        if (this.closed) failure ??= new Error(`closed by the server after ${sent} bytes`);
      }
    } finally {
      this.socket.off('error', onError);
    }
    return failure;
  }

  /** Writes one byte every `everyMs` until stopped or closed: a body that never ends in useful time. */
  trickle(everyMs: number): void {
    this.#trickle = setInterval(() => this.write('a'), everyMs);
  }

  stopTrickle(): void {
    clearInterval(this.#trickle);
  }

  /** Resolves true once the server closed the socket, false if it is still open after `withinMs`. */
  async closedWithin(withinMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), withinMs)));
    const closed = await Promise.race([this.#closedPromise.then(() => true as const), late]);
    clearTimeout(timer);
    return closed;
  }

  /** The status code of the first answer, if one arrived. */
  get status(): number | undefined {
    const match = /^HTTP\/1\.1 (\d{3})/.exec(this.received);
    return match ? Number(match[1]) : undefined;
  }

  destroy(): void {
    this.stopTrickle();
    this.socket.destroy();
  }
}

/** The head of a request whose body follows separately. */
export function requestHead(method: string, path: string, headers: Record<string, string>): string {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

export interface FreshResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/**
 * One request on a new connection (no pooled socket a test may have had closed under it); gives up after
 * `timeoutMs` instead of hanging the test.
 */
export function freshRequest(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
  timeoutMs = 10_000,
): Promise<FreshResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: init.method ?? 'GET', headers: init.headers ?? {}, agent: false, timeout: timeoutMs },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(init.body);
  });
}
