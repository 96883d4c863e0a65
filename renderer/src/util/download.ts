/**
 * How long a saved file's object URL outlives the click: the browser starts the download asynchronously and
 * a URL revoked too early can yield an empty file in some browsers; ten seconds is ample and frees it after.
 */
const REVOKE_AFTER_MS = 10_000;

/** Saves text as a file through the browser's own download (the window and a plain browser tab alike). */
export function saveFile(text: string, type: string, filename: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
}
