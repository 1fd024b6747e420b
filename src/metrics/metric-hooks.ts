/**
 * What the pipeline and the connectors report, as plain interfaces: the code that counts stays
 * free of prom-client, and tests or tools that run without a registry simply pass nothing.
 * `Metrics` (metrics.ts) implements them.
 */

/** A connector's vendor calls, already bound to one connection. */
export interface ApiCallMetrics {
  /** One HTTP request sent to the vendor (a retry counts again). kind: standard, search, rest, bulk. */
  called(kind: string): void;
  /**
   * A call refused for a rate limit: the vendor's (HubSpot 429 with its policyName, Salesforce
   * REQUEST_LIMIT_EXCEEDED) or qualify's own daily budget stopping one before it is sent.
   */
  rateLimited(policy: string): void;
}

export interface PipelineMetrics {
  /** One write-back batch settled: how long it took and what became of its records. */
  writeBatch(connectionId: string, seconds: number, outcome: { written: number; refused: number }): void;
  /** Records removed because their source deleted them; reason: deleted, privacy (GDPR) or merged. */
  recordsDeleted?(connectionId: string, reason: string, count: number): void;
  /** Qualifications saved: each new score by grade, each stage transition by from → to. */
  qualificationsSaved(
    saves: ReadonlyArray<{ score: { grade: string } | null; lifecycle: { transition: { from: string | null; to: string } | null } | null }>,
  ): void;
}
