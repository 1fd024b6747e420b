/**
 * A mapping file that can't be used, or a record that can't be mapped. Either way the message
 * names where (file and line, or the record), the path inside it, and what was expected, so the
 * person reading a log can fix the file or the record without opening the code.
 */
export class MappingError extends Error {
  /** Mapping file, when the problem is in the file (or the file a record was mapped with). */
  readonly file: string | null;
  /** 1-based line in the mapping file; null for record problems. */
  readonly line: number | null;
  /** Dotted path inside the file ("events[2].classify") or the record ("properties.email"). */
  readonly path: string;
  /** What was expected there, in plain words. */
  readonly expected: string;
  /** For record problems: "hubspot contact 101" or "csv row"; null for file problems. */
  readonly source: string | null;
  /** Same as `path`, under the name the CSV reader and CLI look for. */
  readonly field: string;

  constructor(args: { file: string | null; line?: number | null; path: string; expected: string; source?: string | null }) {
    const where = args.source
      ? `${args.source}${args.file ? ` (mapping ${args.file})` : ''}`
      : `${args.file ?? '<mapping>'}${args.line ? `:${args.line}` : ''}`;
    super(`${where}: ${args.path || '(top level)'}: ${args.expected}`);
    this.name = 'MappingError';
    this.file = args.file;
    this.line = args.line ?? null;
    this.path = args.path;
    this.expected = args.expected;
    this.source = args.source ?? null;
    this.field = args.path;
  }
}
