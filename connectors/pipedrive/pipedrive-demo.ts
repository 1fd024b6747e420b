import { randomBytes } from 'node:crypto';
import type { SandboxCapability } from '../../src/kit/index.js';
import { webhookUrl } from './pipedrive-setup.js';
import { startPipedriveSandbox } from './sandbox/pipedrive-sandbox.js';

/**
 * Demo mode's Pipedrive: the in-repo sandbox, seeded, with a webhooks v2 subscription to
 * `${publicUrl}/webhooks/pipedrive` under fresh Basic credentials that the returned env hands to
 * the connector (whose setup then finds the subscription and adds none). Each tick a sales rep
 * edits someone in the app, which fires a change webhook.
 */

const TITLES = ['VP of Sales', 'Head of Growth', 'CTO', 'Marketing Manager', 'Data Analyst'];

export const pipedriveSandbox: SandboxCapability = {
  async start({ publicUrl, logger, people, seed }) {
    const sandbox = await startPipedriveSandbox({ persons: people ?? 50, seed: seed ?? 42 });
    const user = 'qualify';
    const password = randomBytes(18).toString('base64url');
    const res = await fetch(`${sandbox.url}/api/v1/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-token': sandbox.env.PIPEDRIVE_API_TOKEN },
      body: JSON.stringify({ subscription_url: webhookUrl(publicUrl), event_action: '*', event_object: 'person', name: 'qualify', version: '2.0', http_auth_user: user, http_auth_password: password }),
    });
    if (!res.ok) logger.warn({ status: res.status }, 'pipedrive sandbox: webhook subscription refused');
    const ids = sandbox.sim.personIds();
    return {
      env: { ...sandbox.env, PIPEDRIVE_WEBHOOK_USER: user, PIPEDRIVE_WEBHOOK_PASSWORD: password },
      people: ids.length,
      tick(n) {
        if (n % 3 !== 0 || ids.length === 0) return null;
        const id = ids[n % ids.length]!;
        if (!sandbox.sim.getPerson(id) || sandbox.sim.getPerson(id)!.is_deleted) return null;
        const title = TITLES[n % TITLES.length]!;
        sandbox.sim.setCustomFields(id, { 'Job title': title });
        return `Pipedrive: person ${id} is now ${title}`;
      },
      close: () => sandbox.close(),
    };
  },
};
