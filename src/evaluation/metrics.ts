/**
 * Ranking and conversion metrics for judging a scoring model against known outcomes.
 *
 * Every function takes parallel arrays (`scores[i]` belongs to `labels[i]`) and is exact:
 * no sampling, no interpolation. Ties are handled explicitly because scoring models give
 * many leads the same score, and a metric that breaks ties by input order would reward a
 * lucky file order.
 */

export interface Sample {
  score: number;
  label: boolean;
}

function checkParallel(scores: readonly number[], labels: readonly boolean[]): void {
  if (scores.length !== labels.length) {
    throw new RangeError(`scores (${scores.length}) and labels (${labels.length}) must have the same length`);
  }
}

function countPositives(labels: readonly boolean[]): number {
  let n = 0;
  for (const l of labels) if (l) n++;
  return n;
}

/**
 * ROC-AUC as the Mann–Whitney statistic: the probability that a random converted lead scores
 * higher than a random non-converted one, ties counting one half (average ranks).
 * NaN when either class is empty, because the question has no answer then.
 */
export function rocAuc(scores: readonly number[], labels: readonly boolean[]): number {
  checkParallel(scores, labels);
  const n = scores.length;
  const positives = countPositives(labels);
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;

  const order = [...scores.keys()].sort((a, b) => scores[a] - scores[b]);
  let positiveRankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    // Ranks i+1 .. j+1 are tied: each gets their average.
    const averageRank = (i + 1 + (j + 1)) / 2;
    for (let k = i; k <= j; k++) if (labels[order[k]]) positiveRankSum += averageRank;
    i = j + 1;
  }
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * PR-AUC as average precision: the mean, over converted leads, of the precision at the score
 * threshold that first includes them. Tied scores form one threshold (all of them are in or
 * out together), which is what a cut-off on the score can actually do.
 */
export function averagePrecision(scores: readonly number[], labels: readonly boolean[]): number {
  checkParallel(scores, labels);
  const positives = countPositives(labels);
  if (positives === 0) return Number.NaN;

  const order = [...scores.keys()].sort((a, b) => scores[b] - scores[a]);
  let truePositives = 0;
  let selected = 0;
  let previousRecall = 0;
  let ap = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]] === scores[order[i]]) j++;
    for (let k = i; k <= j; k++) if (labels[order[k]]) truePositives++;
    selected += j - i + 1;
    const recall = truePositives / positives;
    ap += (recall - previousRecall) * (truePositives / selected);
    previousRecall = recall;
    i = j + 1;
  }
  return ap;
}

export interface ConversionRow {
  /** Decile number (1 = highest scores) or group name. */
  group: string;
  count: number;
  /** Converted leads; for deciles, a tie split across a boundary counts pro rata (may be fractional). */
  conversions: number;
  /** conversions / count (NaN for an empty group). */
  rate: number;
  /** rate / overall rate. */
  lift: number;
  minScore: number;
  maxScore: number;
}

export function baseRate(labels: readonly boolean[]): number {
  return labels.length === 0 ? Number.NaN : countPositives(labels) / labels.length;
}

/**
 * Leads ranked by score, highest first, as blocks of tied scores. A cut through a block (a decile
 * boundary, "the top 20 %") takes its share of the block's conversions pro rata: the expected
 * result of breaking the tie at random. Breaking it by file order instead would let the order of
 * the export, which often correlates with the outcome, decide what a coarse model looks like.
 */
interface TieBlock {
  start: number;
  end: number;
  score: number;
  positives: number;
}

function tieBlocks(scores: readonly number[], labels: readonly boolean[]): TieBlock[] {
  const order = [...scores.keys()].sort((a, b) => scores[b] - scores[a]);
  const blocks: TieBlock[] = [];
  for (let i = 0; i < order.length; ) {
    let j = i;
    let positives = 0;
    while (j < order.length && scores[order[j]] === scores[order[i]]) {
      if (labels[order[j]]) positives++;
      j++;
    }
    blocks.push({ start: i, end: j, score: scores[order[i]], positives });
    i = j;
  }
  return blocks;
}

/** Ranks [from, to) of the ranking: count, expected conversions, score range. */
function rankRange(group: string, blocks: readonly TieBlock[], from: number, to: number, overall: number): ConversionRow {
  let conversions = 0;
  let minScore = Number.POSITIVE_INFINITY;
  let maxScore = Number.NEGATIVE_INFINITY;
  for (const b of blocks) {
    const overlap = Math.min(b.end, to) - Math.max(b.start, from);
    if (overlap <= 0) continue;
    conversions += (overlap * b.positives) / (b.end - b.start);
    minScore = Math.min(minScore, b.score);
    maxScore = Math.max(maxScore, b.score);
  }
  const count = to - from;
  const rate = count === 0 ? Number.NaN : conversions / count;
  return { group, count, conversions, rate, lift: rate / overall, minScore, maxScore };
}

function summarise(group: string, indices: readonly number[], scores: readonly number[], labels: readonly boolean[], overall: number): ConversionRow {
  let conversions = 0;
  let minScore = Number.POSITIVE_INFINITY;
  let maxScore = Number.NEGATIVE_INFINITY;
  for (const i of indices) {
    if (labels[i]) conversions++;
    minScore = Math.min(minScore, scores[i]);
    maxScore = Math.max(maxScore, scores[i]);
  }
  const rate = indices.length === 0 ? Number.NaN : conversions / indices.length;
  return { group, count: indices.length, conversions, rate, lift: rate / overall, minScore, maxScore };
}

/**
 * Conversion and lift per decile of score, decile 1 holding the highest scores. Deciles hold
 * floor(n/10) or ceil(n/10) leads (the first n mod 10 deciles get the extra one); a tie that
 * straddles a boundary shares its conversions pro rata, so `conversions` can be fractional.
 */
export function conversionByDecile(scores: readonly number[], labels: readonly boolean[], buckets = 10): ConversionRow[] {
  checkParallel(scores, labels);
  const blocks = tieBlocks(scores, labels);
  const overall = baseRate(labels);
  const rows: ConversionRow[] = [];
  const size = Math.floor(scores.length / buckets);
  const extra = scores.length % buckets;
  let start = 0;
  for (let d = 0; d < buckets; d++) {
    const end = start + size + (d < extra ? 1 : 0);
    rows.push(rankRange(String(d + 1), blocks, start, end, overall));
    start = end;
  }
  return rows;
}

/** Conversion and lift per named group (e.g. grade A–D), in the order of `groupOrder` then alphabetical. */
export function conversionByGroup(
  groups: readonly string[],
  scores: readonly number[],
  labels: readonly boolean[],
  groupOrder: readonly string[] = [],
): ConversionRow[] {
  checkParallel(scores, labels);
  if (groups.length !== labels.length) throw new RangeError('groups and labels must have the same length');
  const overall = baseRate(labels);
  const members = new Map<string, number[]>();
  groups.forEach((g, i) => {
    const list = members.get(g) ?? [];
    list.push(i);
    members.set(g, list);
  });
  const names = [...groupOrder.filter((g) => members.has(g)), ...[...members.keys()].filter((g) => !groupOrder.includes(g)).sort()];
  return names.map((g) => summarise(g, members.get(g)!, scores, labels, overall));
}

export interface SelectionQuality {
  /** How many leads were selected. */
  selected: number;
  truePositives: number;
  /** Of the selected leads, the share that converted (NaN when none were selected). */
  precision: number;
  /** Of all converted leads, the share that was selected. */
  recall: number;
}

/** Precision and recall of an arbitrary selection (e.g. "stage is MQL or later"). */
export function selectionQuality(selected: readonly boolean[], labels: readonly boolean[]): SelectionQuality {
  if (selected.length !== labels.length) throw new RangeError('selected and labels must have the same length');
  const positives = countPositives(labels);
  let chosen = 0;
  let truePositives = 0;
  selected.forEach((s, i) => {
    if (!s) return;
    chosen++;
    if (labels[i]) truePositives++;
  });
  return {
    selected: chosen,
    truePositives,
    precision: chosen === 0 ? Number.NaN : truePositives / chosen,
    recall: positives === 0 ? Number.NaN : truePositives / positives,
  };
}

/** Precision and recall when every lead scoring at or above `threshold` is selected. */
export function precisionRecallAt(scores: readonly number[], labels: readonly boolean[], threshold: number): SelectionQuality {
  checkParallel(scores, labels);
  return selectionQuality(
    scores.map((s) => s >= threshold),
    labels,
  );
}

export interface TopShare extends SelectionQuality {
  fraction: number;
  lift: number;
}

/**
 * Conversion of the top `fraction` of leads by score ("the top 20 % convert at X %"): exactly
 * round(fraction × n) leads; a tie at the boundary shares its conversions pro rata.
 */
export function topFraction(scores: readonly number[], labels: readonly boolean[], fraction: number): TopShare {
  checkParallel(scores, labels);
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`fraction must be in (0, 1], got ${fraction}`);
  const take = Math.round(fraction * scores.length);
  const overall = baseRate(labels);
  const top = rankRange('top', tieBlocks(scores, labels), 0, take, overall);
  const positives = countPositives(labels);
  return {
    selected: take,
    truePositives: top.conversions,
    precision: top.rate,
    recall: positives === 0 ? Number.NaN : top.conversions / positives,
    fraction,
    lift: top.lift,
  };
}

/** How many times each value occurs, in the order of `order` then alphabetical; zero counts kept for listed values. */
export function countBy(values: readonly string[], order: readonly string[] = []): Array<{ value: string; count: number }> {
  const counts = new Map<string, number>(order.map((o) => [o, 0]));
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  const names = [...order, ...[...counts.keys()].filter((k) => !order.includes(k)).sort()];
  return names.map((value) => ({ value, count: counts.get(value)! }));
}
