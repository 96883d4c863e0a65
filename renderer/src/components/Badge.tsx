export type Tone = 'good' | 'busy' | 'bad' | 'off' | 'info';

export function Badge({ tone, children, label }: { tone: Tone; children: string; label?: string }) {
  return (
    <span className={`badge badge-${tone}`} aria-label={label}>
      <span className="badge-dot" aria-hidden="true" />
      {children}
    </span>
  );
}

const SERVER_TONES: Record<string, Tone> = {
  ready: 'good',
  starting: 'busy',
  restarting: 'busy',
  crashed: 'bad',
  stopped: 'off',
  disabled: 'off',
};

export function serverTone(state: string): Tone {
  return SERVER_TONES[state] ?? 'info';
}

const TUNNEL_TONES: Record<string, Tone> = {
  connected: 'good',
  installing: 'busy',
  starting: 'busy',
  reconnecting: 'busy',
  failed: 'bad',
  off: 'off',
};

export function tunnelTone(state: string): Tone {
  return TUNNEL_TONES[state] ?? 'info';
}

const OUTCOME_TONES: Record<string, Tone> = {
  ok: 'good',
  running: 'busy',
  'tool-error': 'bad',
  error: 'bad',
  cancelled: 'off',
  refused: 'bad',
};

export function outcomeTone(outcome: string): Tone {
  return OUTCOME_TONES[outcome] ?? 'info';
}
