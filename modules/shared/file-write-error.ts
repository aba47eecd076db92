// The error of a failed atomic write (remote-file.ts's script): a validator's rejection told apart, with its output.
import { tail } from '../../core/errors.ts';

/** Exit code the write script uses when `validate` rejected the content. */
export const VALIDATE_FAILED = 3;

/**
 * An error from the write script, with the last lines of what the validator or the script said. The
 * host is a field, not in the message: the module's ModuleError names it (errors layered once).
 */
export class FileWriteError extends Error {
  override name = 'FileWriteError';
  constructor(
    readonly host: string,
    readonly path: string,
    readonly code: number,
    readonly stderr: string,
  ) {
    super(FileWriteError.describe(path, code, stderr));
  }

  /** The validator's exit code (from the script's last line) and its output are the message of a rejection. */
  private static describe(path: string, code: number, stderr: string): string {
    const rejected = code === VALIDATE_FAILED ? /(?:^|\n)drover: validate command exited (\d+)\n?$/.exec(stderr) : null;
    if (!rejected) return `writing ${path} failed (exit ${code}); the old file is untouched:\n${tail(stderr, 12)}`;
    const said = tail(stderr.slice(0, rejected.index), 12);
    return `validate rejected the new content of ${path} (exit ${rejected[1]}); the old file is untouched:\n${said || '(the validator printed nothing)'}`;
  }
}
