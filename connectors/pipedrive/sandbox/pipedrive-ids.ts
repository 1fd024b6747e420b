import { randomBytes, randomUUID } from 'node:crypto';

/**
 * Identifiers the way Pipedrive hands them out: custom field keys are "randomly generated
 * 40-character hashes" (v2 spec, custom_fields), so they come from the CSPRNG and a connector
 * can never guess one; webhook event and correlation ids are UUIDs (webhooks v2 guide, meta block).
 */

export function customFieldKey(): string {
  return randomBytes(20).toString('hex');
}

export function eventId(): string {
  return randomUUID();
}

/** v2 timestamps: RFC 3339 in UTC without milliseconds, e.g. 2021-01-01T00:00:00Z (spec examples). */
export function v2Time(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** v1 timestamps: "YYYY-MM-DD HH:MM:SS" in UTC (v1 spec examples, e.g. personFields add_time). */
export function v1Time(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}
