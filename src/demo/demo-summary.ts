import type { Store } from '../store/store.types.js';

const FUNNEL = ['subscriber', 'lead', 'mql', 'sql', 'opportunity', 'customer', 'recycled', 'disqualified'] as const;

/** The terminal view of demo mode: the funnel and the best leads with their reasons. */
export async function printSummary(store: Store, sandboxUrl: string, publicUrl: string, seconds: number, apiKey?: string): Promise<void> {
  const funnel = await store.funnel();
  const top = await store.listLeads({ limit: 10, orderBy: 'score' });
  const lines: string[] = [];
  lines.push('');
  lines.push(`── qualify demo · ${seconds.toFixed(0)} s · ${sandboxUrl} ─────────────`);
  lines.push(`funnel  ${FUNNEL.map((s) => `${s.toUpperCase()} ${funnel[s] ?? 0}`).join(' · ')}`);
  lines.push('top leads:');
  for (const l of top) {
    const name = [l.lead.person.firstName, l.lead.person.lastName].filter(Boolean).join(' ') || l.email || l.id;
    lines.push(
      `  ${String(l.score ? Math.round(l.score.score) : '-').padStart(3)} ${(l.score?.segment ?? '--').padEnd(3)} ${(l.lifecycle?.stage ?? '?').toUpperCase().padEnd(12)} ${name} (${l.lead.person.jobTitle ?? 'no title'}, ${l.lead.company.name ?? 'no company'})`,
    );
    if (l.score?.reasons) lines.push(`        ${l.score.reasons}`);
  }
  if (apiKey) {
    lines.push(`dashboard: ${publicUrl}/#key=${apiKey}`);
    lines.push(`SQLs: curl -H 'Authorization: Bearer ${apiKey}' ${publicUrl}/api/leads?stage=sql   ·   status: npx qualify status`);
  } else {
    lines.push(`SQLs: npx qualify status`);
  }
  console.log(lines.join('\n'));
}
