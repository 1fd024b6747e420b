import { emptyLead } from '../../src/canonical/lead.schema.js';
import type { LabelledLead } from '../../src/evaluation/fit-model.js';
import { seededRandom } from '../../src/evaluation/split.js';

/**
 * Leads whose conversion follows a known rule, so a test can check that learning recovers it:
 * log-odds = −1 + 2·[plan = pro] − 1·[plan = free] + 0.15·visits, plus an attribute that is pure
 * noise, a field missing for 10 % of leads, and an order number (row index) for time splits.
 */
export function syntheticLeads(n: number, seed = 7): LabelledLead[] {
  const random = seededRandom(seed);
  const plans = ['pro', 'free', 'trial'] as const;
  const colours = ['red', 'green', 'blue'] as const;
  return Array.from({ length: n }, (_, i) => {
    const plan = plans[Math.floor(random() * 3)];
    const visits = Math.floor(random() * 21);
    const colour = colours[Math.floor(random() * 3)];
    const z = -1 + (plan === 'pro' ? 2 : 0) - (plan === 'free' ? 1 : 0) + 0.15 * visits;
    const label = random() < 1 / (1 + Math.exp(-z));
    const lead = emptyLead();
    // Visits arrive as text, the way a CSV mapping delivers them.
    lead.attributes = { plan, visits: random() < 0.1 ? null : String(visits), colour };
    return { id: String(i + 1), lead, label, order: i };
  });
}
