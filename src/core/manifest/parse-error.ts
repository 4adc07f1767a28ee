/**
 * A manifest that cannot be read: bad YAML, an object without kind, a document too large.
 * Terminal: the same text fails the same way on every retry, so it is reported, not retried.
 */
export class ManifestParseError extends Error {
  override name = 'ManifestParseError';
  readonly terminal = true;
  readonly file: string;
  /** 1-based, like lines; undefined when the text as a whole is refused. */
  readonly document: number | undefined;
  /** 1-based line in the file; undefined when unknown. */
  readonly line: number | undefined;
  readonly reason: string;

  constructor(
    file: string,
    reason: string,
    where: { document?: number; line?: number; cause?: unknown } = {},
  ) {
    const place = [
      where.document === undefined ? '' : `document ${where.document}`,
      where.line === undefined ? '' : `line ${where.line}`,
    ]
      .filter((part) => part !== '')
      .join(', ');
    super(`${file}${place === '' ? '' : ` (${place})`}: ${reason}`, { cause: where.cause });
    this.file = file;
    this.document = where.document;
    this.line = where.line;
    this.reason = reason;
  }
}
