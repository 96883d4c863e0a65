/**
 * What a user can do about a failed read or write of one of Ferry's files, from the fs error code.
 * `directoryUse` finishes "move it away so Ferry can …" for the case where a directory sits at the path.
 */
export function fileErrorFix(
  file: string,
  action: 'read' | 'write',
  error: unknown,
  directoryUse: string,
): { detail: string; fix: string } {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const detail = error instanceof Error ? error.message : String(error);
  const fix =
    code === 'EACCES' || code === 'EPERM'
      ? `give your user ${action} permission on ${file} and its directory`
      : code === 'EISDIR'
        ? `${file} is a directory; move it away so Ferry can ${directoryUse}`
        : isOutOfSpace(error)
          ? 'free some disk space'
          : code === 'EROFS'
            ? 'the file system is read-only; point Ferry at a writable data directory'
            : `check that ${file} and its directory are accessible`;
  return { detail, fix };
}

/** A write the system refused for want of space (a full disk, or the user's quota). */
export function isOutOfSpace(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}
