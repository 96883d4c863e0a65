export type Tone = 'good' | 'busy' | 'bad' | 'off' | 'info';

export function Badge({ tone, children, label }: { tone: Tone; children: string; label?: string }) {
  return (
    <span className={`badge tone-${tone}`} aria-label={label}>
      <span className="badge-dot" aria-hidden="true" />
      {children}
    </span>
  );
}

/**
 * The tone of every state word the core reports: a server's, the tunnel's and a call's outcome. No word means
 * two things across them, so one table serves all three; an unknown word reads as plain information.
 */
const TONE_WORDS: Record<Exclude<Tone, 'info'>, readonly string[]> = {
  good: ['ready', 'connected', 'ok'],
  busy: ['starting', 'restarting', 'installing', 'reconnecting', 'running'],
  bad: ['crashed', 'failed', 'tool-error', 'error', 'refused'],
  off: ['stopped', 'disabled', 'off', 'cancelled'],
};

const TONES = new Map<string, Tone>(
  Object.entries(TONE_WORDS).flatMap(([tone, words]) => words.map((word) => [word, tone as Tone])),
);

export function stateTone(state: string): Tone {
  return TONES.get(state) ?? 'info';
}

export const serverTone = stateTone;
export const tunnelTone = stateTone;
export const outcomeTone = stateTone;
