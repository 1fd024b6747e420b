import { z } from 'zod';
import { SourceSystemSchema } from '../canonical/lead.schema.js';

/**
 * What an OAuth install stores for its connection (`store.saveCredentials`, sealed with SecretBox).
 * Parsed with zod whenever it is read back: a row written by an older version, or by hand, fails
 * with the field named instead of half-working.
 */
export const OAuthCredentialsSchema = z.object({
  kind: z.literal('oauth'),
  system: SourceSystemSchema,
  accessToken: z.string().min(1),
  refreshToken: z.string().min(1),
  /** Epoch ms; null when the vendor does not say (Salesforce): refreshed when refused instead. */
  expiresAt: z.number().nullable(),
  /** Salesforce: the org's instance. */
  instanceUrl: z.url().optional(),
  /** Salesforce: the secret expected in this org's Outbound Message URL (?secret=…). */
  outboundSecret: z.string().optional(),
  scopes: z.array(z.string()).optional(),
  installedAt: z.string(),
  refreshedAt: z.string().optional(),
});

export type OAuthCredentials = z.infer<typeof OAuthCredentialsSchema>;

export function parseOAuthCredentials(raw: unknown, connectionId: string): OAuthCredentials {
  const parsed = OAuthCredentialsSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new Error(`Stored credentials of connection ${connectionId} are not OAuth credentials: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
}
