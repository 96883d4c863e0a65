/** Copies text; falls back to a hidden textarea where the async clipboard is not allowed. */
export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    return;
  } catch {
    // fall through
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.className = 'offscreen';
  document.body.append(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('the browser refused to copy');
}

/** Copies text and says so through `announce` (to screen readers and as a toast), or says why it could not. */
export async function copyAndSay(
  text: string,
  done: string,
  announce: (text: string) => void,
): Promise<boolean> {
  try {
    await copyText(text);
    announce(done);
    return true;
  } catch (error) {
    announce(`Could not copy: ${(error as Error).message}`);
    return false;
  }
}
