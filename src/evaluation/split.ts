/**
 * Train / held-out split. Time order when every row has one: a model is used on leads that arrive
 * after the ones it learned from, and a random split flatters it when conversion drifts over time.
 * Without an order, a seeded shuffle, so the same file and seed always give the same split.
 */

export interface Split<T> {
  kind: 'time' | 'random';
  train: T[];
  test: T[];
  /** One line for the report, e.g. "random 70/30 split (seed 42): no order column or timestamps". */
  description: string;
}

/** mulberry32: a tiny, well-mixed 32-bit PRNG; good enough for shuffling, and reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  const random = seededRandom(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

export interface SplitOptions<T> {
  /** Share of rows to train on, e.g. 0.7. */
  trainFraction: number;
  seed: number;
  /** The row's position in time (a timestamp in ms or an order number), or null when unknown. */
  order?: (row: T) => number | null;
  /** What the order is, for the description: "column Lead Number", "sourceUpdatedAt". */
  orderName?: string;
}

export function splitRows<T>(rows: readonly T[], options: SplitOptions<T>): Split<T> {
  const { trainFraction, seed } = options;
  if (!(trainFraction > 0 && trainFraction < 1)) throw new RangeError(`trainFraction must be in (0, 1), got ${trainFraction}`);
  const cut = Math.round(rows.length * trainFraction);
  const ratio = `${Math.round(trainFraction * 100)}/${100 - Math.round(trainFraction * 100)}`;

  const orders = options.order ? rows.map(options.order) : [];
  const known = orders.filter((o) => o !== null && Number.isFinite(o)).length;
  if (rows.length > 0 && known === rows.length) {
    // Stable sort: rows with the same time keep file order.
    const byTime = [...rows.keys()].sort((a, b) => (orders[a] as number) - (orders[b] as number) || a - b).map((i) => rows[i]);
    return {
      kind: 'time',
      train: byTime.slice(0, cut),
      test: byTime.slice(cut),
      description: `time-ordered ${ratio} split by ${options.orderName ?? 'order'}: trained on the oldest, judged on the newest`,
    };
  }
  const why = known > 0 ? `${options.orderName ?? 'the order'} is missing on ${rows.length - known} rows` : 'no order column or timestamps';
  const shuffled = seededShuffle(rows, seed);
  return {
    kind: 'random',
    train: shuffled.slice(0, cut),
    test: shuffled.slice(cut),
    description: `random ${ratio} split (seed ${seed}): ${why}`,
  };
}
