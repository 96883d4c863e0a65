/**
 * Ferry's errors carry a `code` for programs and a `message` for people (jose's pattern: the code is on the
 * class and on each instance). The admin API turns a code into its answer (admin/errors.ts), so a part
 * throws what went wrong in its own terms and never decides an HTTP status. An error without a code is a
 * bug and reaches the admin surface as `internal`.
 */
export class FerryError extends Error {
  static code: string = 'ferry_error';
  code: string = 'ferry_error';

  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The thing named does not exist (any more). */
export class NotFound extends FerryError {
  static override code = 'not_found';
  override code = 'not_found';
}

/** The request is fine but the current state does not allow it (a disabled server, a name taken). */
export class Conflict extends FerryError {
  static override code = 'conflict';
  override code = 'conflict';
}

/** The input itself is wrong; saying it again will not help. */
export class Invalid extends FerryError {
  static override code = 'invalid_input';
  override code = 'invalid_input';
}

/** The caller may not do this. */
export class Forbidden extends FerryError {
  static override code = 'forbidden';
  override code = 'forbidden';
}

/** A part this needs is off or cannot be reached right now (OAuth off, the secret store locked). */
export class Unavailable extends FerryError {
  static override code = 'unavailable';
  override code = 'unavailable';
}
