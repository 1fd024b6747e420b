import { randomUUID } from 'node:crypto';
import { emptyLead, type EngagementEvent, type Lead, type SourceSystem } from '../../src/canonical/lead.schema.js';
import type { LifecycleState, ScoreResult, Transition } from '../../src/qualification/qualification.schema.js';
import type { Store } from '../../src/store/store.types.js';

/** Shared builders for the workspace tests: leads, events, scores and unique workspace ids. */

export const uniqueWorkspaceId = (name: string) => `${name.toLowerCase()}-${randomUUID().slice(0, 8)}`;

export async function newWorkspace(store: Store, name: string): Promise<Store> {
  const ws = await store.createWorkspace({ id: uniqueWorkspaceId(name), name });
  return store.forWorkspace(ws.id);
}

export function lead(system: SourceSystem, recordId: string, patch: { email?: string; jobTitle?: string; events?: EngagementEvent[] } = {}): Lead {
  const l = emptyLead();
  l.ids = { [system]: recordId };
  l.email = patch.email ?? null;
  l.person.jobTitle = patch.jobTitle ?? null;
  l.events = patch.events ?? [];
  return l;
}

export function event(source: SourceSystem, sourceId: string, at: string): EngagementEvent {
  return { type: 'page_view', at, source, sourceId };
}

export function score(value: number, grade: ScoreResult['grade'], evaluatedAt = '2026-03-01T10:00:00.000Z'): ScoreResult {
  return {
    modelVersion: 'test@1-abcd1234',
    fit: value,
    engagement: value / 2,
    score: value,
    grade,
    band: 2,
    segment: `${grade}2`,
    disqualifiedBy: null,
    contributions: [],
    reasons: '+ test',
    evaluatedAt,
  };
}

export function lifecycle(stage: LifecycleState['stage'], since: string): LifecycleState {
  return { stage, since, reason: 'high_combined_score', setByPerson: false };
}

export function transition(from: Transition['from'], to: Transition['to'], at: string): Transition {
  return { from, to, reason: 'high_combined_score', detail: `${from ?? 'none'} → ${to}`, modelVersion: 'test@1-abcd1234', at };
}
