/**
 * A result the admin surface sends as a file rather than as JSON: the HTTP listener streams `lines` with
 * `Content-Disposition: attachment`; Electron's IPC, which cannot stream a reply, gathers them into
 * `{ filename, contentType, text }` (bounded by what produces them: the audit trail's files).
 */
export class AdminDownload {
  constructor(
    readonly filename: string,
    readonly contentType: string,
    readonly lines: AsyncGenerator<string>,
  ) {}

  /** The whole file as one string (IPC). */
  async text(): Promise<string> {
    const parts: string[] = [];
    for await (const line of this.lines) parts.push(line);
    return parts.join('');
  }
}

/** What IPC answers for a download (HTTP sends the file itself). */
export interface DownloadedFile {
  filename: string;
  contentType: string;
  text: string;
}
