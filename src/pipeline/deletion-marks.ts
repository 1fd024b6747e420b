import type { Redis } from 'ioredis';

/** How long a deletion is remembered: far longer than any read, lagging search or retry is in flight. */
export const DELETION_MARK_TTL_MS = 24 * 3600 * 1000;

/**
 * When each recently deleted record of a connection was deleted (one Redis sorted set: record id
 * scored by deletion time). A read taken before the deletion but stored after it (a batch read in
 * flight, a search index trailing the deletion by a few moments) must not bring the record, and a
 * GDPR-deleted person's data, back; a version the source modified after the deletion (restored)
 * is newer and comes back as usual.
 */
export class DeletionMarks {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    connectionId: string,
  ) {
    this.key = `${prefix}:deleted:${connectionId}`;
  }

  /** Remembers the deletions (the latest time per record wins); forgets those older than the TTL. */
  async mark(entries: Array<{ recordId: string; deletedAt: string }>, now = Date.now()): Promise<void> {
    if (entries.length === 0) return;
    const multi = this.redis.multi();
    for (const e of entries) multi.zadd(this.key, 'GT', Date.parse(e.deletedAt), e.recordId);
    multi.zremrangebyscore(this.key, '-inf', now - DELETION_MARK_TTL_MS);
    await multi.exec();
  }

  /** Ids of the records whose version (source update time) is no newer than their deletion. */
  async deletedSince(records: Array<{ recordId: string; updatedAt: string | null }>): Promise<Set<string>> {
    const out = new Set<string>();
    if (records.length === 0) return out;
    const scores = await this.redis.zmscore(this.key, ...records.map((r) => r.recordId));
    records.forEach((r, i) => {
      const deletedAt = scores[i];
      if (deletedAt == null) return;
      // No version time: nothing tells it is newer than the deletion, so it stays deleted.
      if (r.updatedAt === null || Date.parse(r.updatedAt) <= Number(deletedAt)) out.add(r.recordId);
    });
    return out;
  }
}
