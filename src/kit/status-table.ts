import type { ConnectorError } from '../errors/connector-errors.js';

/**
 * One row of a connector's error table: vendor status → what the worker should do, with a message
 * for the user. Read top to bottom, first match wins, one test per row (Airbyte's declarative
 * error handlers in spirit). `Failure` is the connector's own facts of a failed call (status,
 * body, headers), `Ctx` what the rows need besides (the clock, the daily reset).
 */
export interface StatusRule<Failure, Ctx = { now: number }> {
  /** The row as a reader would say it. */
  when: string;
  matches(f: Failure): boolean;
  toError(f: Failure, ctx: Ctx): ConnectorError;
}

/** The first row that matches, as its error; undefined when none does (the table's caller decides). */
export function applyStatusTable<Failure, Ctx>(table: readonly StatusRule<Failure, Ctx>[], f: Failure, ctx: Ctx): ConnectorError | undefined {
  return table.find((rule) => rule.matches(f))?.toError(f, ctx);
}
