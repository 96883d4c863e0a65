import type { EventBus } from '../events/bus.js';
import type { TunnelMode } from '../events/types.js';
import type { TunnelManager } from '../tunnel/manager.js';
import type { PauseRecord, PauseStore } from './pause.js';
import { Conflict } from '../util/errors.js';

export interface ExposureControlOptions {
  store: PauseStore;
  tunnel: TunnelManager;
  bus: EventBus;
  /** Whether OAuth runs: a tunnel without it would put every server on the internet unguarded. */
  oauth: () => boolean;
  /** The public listener once it runs (a pause closes its open streams). */
  listener: () => { closeStreams(reason: string): Promise<void> } | undefined;
}

/**
 * Whether Ferry is on the internet: the user's pause and resume, and every tunnel start, which a pause or a
 * missing OAuth server refuses. The public listener reads `state().paused` per request on its own.
 */
export class ExposureControl {
  constructor(private readonly options: ExposureControlOptions) {}

  /** A method, not a getter: the admin API takes this object as its `exposure` part. */
  state(): PauseRecord {
    return this.options.store.current;
  }

  async startTunnel(mode: 'quick' | 'named'): Promise<void> {
    if (!this.options.oauth()) throw new Conflict('a tunnel needs OAuth: restart without --no-auth');
    if (this.state().paused) throw new Conflict('exposure is paused: resume it to start the tunnel');
    await this.options.tunnel.start(mode);
  }

  async pause(): Promise<void> {
    const { store, tunnel, bus } = this.options;
    if (store.current.paused) return;
    // The tunnel the resume brings back: the one running (or trying to) now.
    const resumeTunnel = tunnel.state === 'off' ? 'off' : tunnel.mode;
    // Saved first: the tunnel's "off" below must already read as a pause, not as the user's "stop".
    await store.save({ paused: true, since: Date.now(), resumeTunnel });
    bus.emit({ type: 'exposure.state', paused: true, resumeTunnel });
    await tunnel.stop();
    await this.options.listener()?.closeStreams('Ferry was paused by its user');
  }

  async resume(): Promise<void> {
    const { store, bus } = this.options;
    const { paused, resumeTunnel = 'off' } = store.current;
    if (!paused) return;
    await store.save({ paused: false });
    bus.emit({ type: 'exposure.state', paused: false, resumeTunnel });
    if (resumeTunnel !== 'off' && this.options.oauth() && this.options.listener())
      await this.options.tunnel.start(resumeTunnel);
  }

  /**
   * The tunnel at start, once the listener runs. Paused before this start, the tunnel stays down until the
   * user resumes, then comes back as asked now (an explicit mode, the config's), else as it was when the
   * pause began.
   */
  async atStart(mode: TunnelMode, explicit: boolean): Promise<void> {
    const { store, bus } = this.options;
    if (!store.current.paused) {
      if (mode !== 'off') await this.options.tunnel.start(mode);
      return;
    }
    const resumeTunnel = mode !== 'off' || explicit ? mode : (store.current.resumeTunnel ?? 'off');
    await store.save({ ...store.current, resumeTunnel });
    bus.log(
      'warn',
      'ferry',
      'exposure is paused: the tunnel stays stopped and MCP and OAuth requests get 503 until you resume',
    );
  }
}
