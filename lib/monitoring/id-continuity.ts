/** A run of consecutive ids, both ends included. */
export interface IdRun {
  from: number;
  to: number;
}

/** What a list of rows holds, judged by their ids (the per-stream sequence). */
export interface IdContinuity {
  rows: number;
  /** Lowest and highest id held; null for an empty list. */
  first: number | null;
  last: number | null;
  /** Ids between `first` and `last` the list lacks, as ascending runs. */
  missing: IdRun[];
  /** How many ids the runs in `missing` cover. */
  missingIds: number;
  /** Ids held more than once, ascending, with how often each is held. */
  repeated: Array<{ id: number; times: number }>;
  /** Rows whose id is lower than the one before them. */
  outOfOrder: number;
}

/**
 * Checks a list of rows for holes, repeats and order in one pass over a sorted copy. Meant
 * to run when someone asks (it sorts the whole list), not on every update.
 */
export function idContinuity(rows: readonly { id: number }[]): IdContinuity {
  const ids = rows.map((row) => row.id);
  let outOfOrder = 0;
  for (let index = 1; index < ids.length; index += 1) if ((ids[index] as number) < (ids[index - 1] as number)) outOfOrder += 1;
  const sorted = ids.slice().sort((a, b) => a - b);
  const missing: IdRun[] = [];
  const repeated: IdContinuity['repeated'] = [];
  let missingIds = 0;
  for (let index = 1; index < sorted.length; index += 1) {
    const previous = sorted[index - 1] as number;
    const id = sorted[index] as number;
    if (id === previous) {
      const last = repeated.at(-1);
      if (last?.id === id) last.times += 1;
      else repeated.push({ id, times: 2 });
    } else if (id > previous + 1) {
      missing.push({ from: previous + 1, to: id - 1 });
      missingIds += id - previous - 1;
    }
  }
  return { rows: ids.length, first: sorted[0] ?? null, last: sorted.at(-1) ?? null, missing, missingIds, repeated, outOfOrder };
}
