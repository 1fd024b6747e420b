import type { EventType, Lead, Stage } from '../canonical/lead.schema.js';
import type { LifecycleState, ScoreResult, Transition, TransitionReason } from '../qualification/qualification.schema.js';
import { isoToMillis } from '../scoring/iso-time.js';
import { DAY_MS, type ScoringModel } from '../scoring/scoring-model.js';
import { isAutomaticTransitionAllowed } from './lifecycle-transitions.js';
import { personStageOf } from './person-stage.js';

export interface Classification {
  lifecycle: LifecycleState;
  /** Null when the stage did not change. */
  transition: Transition | null;
}

interface Decision {
  stage: Stage;
  reason: TransitionReason;
  detail: string;
}

const GRADE_RANK = { A: 4, B: 3, C: 2, D: 1 } as const;
const BANT_KEYS = ['budget', 'authority', 'need', 'timeline'] as const;
const EVENT_WORDS: Partial<Record<EventType, string>> = {
  content_download: 'downloaded content',
  newsletter_signup: 'signed up for the newsletter',
  webinar: 'joined a webinar',
  demo_request: 'requested a demo',
  contact_sales_request: 'asked to talk to sales',
  offer_request: 'requested an offer',
};

/**
 * Decide the lifecycle stage of a lead from its score, its previous state and the model's
 * lifecycle settings at time `at`. Pure: the same inputs give the same answer.
 *
 * Order of precedence:
 *  1. A stage a person set in a CRM (opportunity, customer, sales rejection) is followed.
 *  2. A stage a person set earlier stays until a person sets another: a score never overrides it.
 *  3. A hard disqualifier puts the lead in `disqualified`.
 *  4. Otherwise the thresholds, with hysteresis: MQL/SQL are entered at `enter`, and left (to
 *     recycled, never backwards) only below `exit` and after `minDwellDays` in the stage.
 */
export function classifyLead(
  lead: Lead,
  score: ScoreResult,
  previous: LifecycleState | null,
  model: ScoringModel,
  at: Date,
): Classification {
  const atIso = at.toISOString();
  const from = previous?.stage ?? null;

  const person = personStageOf(lead);
  if (person !== null && previous !== null && previous.stage === person.stage) {
    // Same stage, now confirmed by a person (e.g. the model had disqualified, then sales rejected):
    // no move, but from now on the person owns it.
    if (previous.setByPerson) return { lifecycle: previous, transition: null };
    return { lifecycle: { ...previous, reason: person.reason, setByPerson: true }, transition: null };
  }
  if (person !== null) {
    const detail =
      person.reason === 'sales_rejected'
        ? `Sales rejected the lead in ${person.system}; the score does not override it.`
        : `${person.system} shows the lead as ${person.stage} ("${person.raw}"), set by a person.`;
    return change(from, { stage: person.stage, reason: person.reason, detail }, true, atIso, model);
  }
  // Opportunity and customer are only ever reached by people, whatever the stored flag says.
  if (previous !== null && (previous.setByPerson || previous.stage === 'opportunity' || previous.stage === 'customer')) {
    return { lifecycle: previous, transition: null };
  }

  const decision = decide(lead, score, previous, model, at.getTime());
  if (previous !== null && decision.stage === previous.stage) return { lifecycle: previous, transition: null };
  if (!isAutomaticTransitionAllowed(from, decision.stage)) {
    // Unreachable by construction; refusing is safer than writing a backward move to a CRM.
    throw new Error(`lifecycle: the model may not move a lead from ${from ?? 'nothing'} to ${decision.stage}`);
  }
  return change(from, decision, false, atIso, model);
}

function change(from: Stage | null, d: Decision, setByPerson: boolean, atIso: string, model: ScoringModel): Classification {
  return {
    lifecycle: { stage: d.stage, since: atIso, reason: d.reason, setByPerson },
    transition: { from, to: d.stage, reason: d.reason, detail: d.detail, at: atIso, modelVersion: model.versionId },
  };
}

/** What the classifier needs to know about the event log at `at`. */
interface Signals {
  interest: { type: EventType; ageMs: number } | null;
  salesRequest: { type: EventType; ageMs: number } | null;
  lastEventAgeMs: number;
}

function signalsOf(lead: Lead, model: ScoringModel, atMs: number): Signals {
  const { marketingInterest, salesRequest } = model.compiled;
  const signals: Signals = { interest: null, salesRequest: null, lastEventAgeMs: Number.POSITIVE_INFINITY };
  for (const e of lead.events) {
    const age = atMs - isoToMillis(e.at);
    if (!(age >= 0)) continue; // future or unreadable
    if (age < signals.lastEventAgeMs) signals.lastEventAgeMs = age;
    if (age <= marketingInterest.withinMs && marketingInterest.events.has(e.type) && (signals.interest === null || age < signals.interest.ageMs)) {
      signals.interest = { type: e.type, ageMs: age };
    }
    if (age <= salesRequest.withinMs && salesRequest.events.has(e.type) && (signals.salesRequest === null || age < signals.salesRequest.ageMs)) {
      signals.salesRequest = { type: e.type, ageMs: age };
    }
  }
  return signals;
}

const days = (ms: number) => Math.floor(ms / DAY_MS);
const agoWords = (ms: number) => (days(ms) === 0 ? 'today' : `${days(ms)} d ago`);
const listWords = (items: string[]) =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;

function decide(lead: Lead, score: ScoreResult, previous: LifecycleState | null, model: ScoringModel, atMs: number): Decision {
  const { thresholds, lifecycle } = model.spec;
  const c = model.compiled;

  if (score.disqualifiedBy !== null) {
    const label = c.disqualifiers.find((d) => d.id === score.disqualifiedBy)?.label ?? score.disqualifiedBy;
    return { stage: 'disqualified', reason: 'disqualifier_matched', detail: `Disqualified by rule ${score.disqualifiedBy}: ${label}.` };
  }

  const s = signalsOf(lead, model, atMs);
  const measure = (on: 'fit' | 'engagement' | 'score') => score[on];
  const mqlValue = measure(thresholds.mql.on);
  const sqlValue = measure(thresholds.sql.on);
  const blocked = c.neverByEngagement(lead);
  const fitOk = GRADE_RANK[score.grade] >= GRADE_RANK[lifecycle.mqlMinGrade];
  const known = BANT_KEYS.filter((k) => lead.bant[k] !== null);
  const dwellMs = previous === null ? 0 : atMs - isoToMillis(previous.since);

  const salesWithBant = s.salesRequest !== null && known.length >= c.salesRequest.minBant;
  const sqlEntry: Decision | null = salesWithBant
    ? {
        stage: 'sql',
        reason: 'sales_request_with_bant',
        detail: `${capitalise(EVENT_WORDS[s.salesRequest!.type] ?? s.salesRequest!.type)} ${agoWords(s.salesRequest!.ageMs)}; ${listWords([...known])} known.`,
      }
    : !blocked && fitOk && sqlValue >= thresholds.sql.enter
      ? { stage: 'sql', reason: 'high_combined_score', detail: `${thresholds.sql.on} ${sqlValue} reached the SQL threshold ${thresholds.sql.enter} with fit grade ${score.grade}.` }
      : null;
  const mqlEntry: Decision | null =
    blocked || !fitOk
      ? null
      : s.interest !== null
        ? {
            stage: 'mql',
            reason: 'marketing_interest',
            detail: `${capitalise(EVENT_WORDS[s.interest.type] ?? s.interest.type)} ${agoWords(s.interest.ageMs)}, with an acceptable fit (grade ${score.grade}).`,
          }
        : mqlValue >= thresholds.mql.enter
          ? { stage: 'mql', reason: 'engagement_threshold', detail: `${thresholds.mql.on} ${mqlValue} reached the MQL threshold ${thresholds.mql.enter} with fit grade ${score.grade}.` }
          : null;

  const recycle = (stageName: 'MQL' | 'SQL', on: string, value: number, exit: number): Decision =>
    s.lastEventAgeMs > lifecycle.recycled.inactiveDays * DAY_MS
      ? {
          stage: 'recycled',
          reason: 'recycled_after_inactivity',
          detail: `No activity for ${Number.isFinite(s.lastEventAgeMs) ? `${days(s.lastEventAgeMs)} days` : 'ever'} and ${on} ${value} below the ${stageName} exit threshold ${exit}; back to nurture.`,
        }
      : {
          stage: 'recycled',
          reason: 'score_below_exit_threshold',
          detail: `${capitalise(on)} ${value} fell below the ${stageName} exit threshold ${exit} after ${days(dwellMs)} days as ${stageName}; back to nurture.`,
        };
  const stay = (): Decision => ({ stage: previous!.stage, reason: previous!.reason, detail: '' });

  switch (previous?.stage) {
    case 'sql': {
      const holds = salesWithBant || sqlValue >= thresholds.sql.exit;
      if (holds || dwellMs < thresholds.sql.minDwellDays * DAY_MS) return stay();
      return recycle('SQL', thresholds.sql.on, sqlValue, thresholds.sql.exit);
    }
    case 'mql': {
      if (sqlEntry !== null) return sqlEntry;
      const holds = s.interest !== null || mqlValue >= thresholds.mql.exit;
      if (holds || dwellMs < thresholds.mql.minDwellDays * DAY_MS) return stay();
      return recycle('MQL', thresholds.mql.on, mqlValue, thresholds.mql.exit);
    }
    case 'recycled': {
      if (sqlEntry !== null) return sqlEntry;
      if (mqlEntry !== null && dwellMs >= lifecycle.recycled.minDwellDays * DAY_MS) {
        return { stage: 'mql', reason: 're_engaged', detail: `Re-engaged after ${days(dwellMs)} days in nurture: ${lowerFirst(mqlEntry.detail)}` };
      }
      return stay();
    }
    default: {
      if (sqlEntry !== null) return sqlEntry;
      if (mqlEntry !== null) return mqlEntry;
      if (previous?.stage === 'lead' || c.leadWhen(lead)) {
        return { stage: 'lead', reason: 'known_contact', detail: 'A known contact: name, company or job title on record.' };
      }
      return { stage: 'subscriber', reason: 'first_seen', detail: 'First seen: an address without a name, company or job title yet.' };
    }
  }
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
