/**
 * "just now", "12 s ago", "4 min ago", "2 h ago", "3 d ago": how long ago `at` was, as the window and the
 * tray both say it (one wording, so the tray's "last call" line reads like the window's).
 */
export function ago(at: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} d ago`;
}
