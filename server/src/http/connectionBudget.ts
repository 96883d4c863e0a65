import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ListenerBounds } from './bounds.js';

type Caps = Pick<ListenerBounds, 'maxSockets' | 'maxAnonymousRequests'>;

/**
 * What the public listener lets clients hold at once: open sockets (`maxSockets`) and in-flight requests
 * without a verified bearer token (`maxAnonymousRequests`). A socket with a request in flight is never
 * closed to make room, so Claude's long tool calls and SSE streams survive a flood; idle ones (keep-alive
 * between requests, headers still arriving, a refused body being drained) are closed oldest first.
 */
export class ConnectionBudget {
  /** Insertion order is last activity: the first idle entry is the one idle longest. */
  readonly #sockets = new Map<Socket, { inFlight: number }>();
  readonly #anonymous = new Set<IncomingMessage>();

  constructor(private readonly caps: Caps) {}

  attach(server: Server): void {
    server.on('connection', (socket: Socket) => this.#admit(socket));
  }

  get openSockets(): number {
    return this.#sockets.size;
  }

  /** Counts `req` as in flight on its socket until its response closes. */
  track(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    const state = this.#sockets.get(socket);
    if (!state) return;
    state.inFlight++;
    this.#touch(socket, state);
    res.once('close', () => {
      state.inFlight--;
      this.#anonymous.delete(req);
      if (this.#sockets.has(socket)) this.#touch(socket, state);
    });
  }

  /** Takes an anonymous slot for `req` until its response closes or `trust` is called; false at the cap. */
  takeAnonymous(req: IncomingMessage): boolean {
    if (this.#anonymous.size >= this.caps.maxAnonymousRequests) return false;
    this.#anonymous.add(req);
    return true;
  }

  /** `req` showed a valid token (or needs none): it no longer counts against the anonymous cap. */
  trust(req: IncomingMessage): void {
    this.#anonymous.delete(req);
  }

  #admit(socket: Socket): void {
    if (this.#sockets.size >= this.caps.maxSockets && !this.#closeLongestIdle()) {
      socket.destroy();
      return;
    }
    this.#sockets.set(socket, { inFlight: 0 });
    socket.once('close', () => this.#sockets.delete(socket));
  }

  #closeLongestIdle(): boolean {
    for (const [socket, state] of this.#sockets) {
      if (state.inFlight > 0) continue;
      this.#sockets.delete(socket);
      socket.destroy();
      return true;
    }
    return false;
  }

  #touch(socket: Socket, state: { inFlight: number }): void {
    this.#sockets.delete(socket);
    this.#sockets.set(socket, state);
  }
}
