import type { AccountStore } from './account.store.js';
import type { SandboxClock } from './sandbox-clock.js';
import type { WebhookDispatcher, WebhookSubscription } from './webhook.dispatcher.js';

/** What the route files share: the account, its clock, webhooks and identity. */
export interface SandboxContext {
  store: AccountStore;
  clock: SandboxClock;
  webhooks: WebhookDispatcher;
  subscriptions: WebhookSubscription[];
  nextWebhookId: () => number;
  companyId: number;
  companyName: string;
  companyDomain: string;
  /** The user the API/OAuth token belongs to (the "me" of /users/me and the user_id of API echoes). */
  userId: number;
}
