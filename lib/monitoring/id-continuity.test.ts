import { describe, expect, it } from 'vitest';
import { idContinuity } from '@/lib/monitoring/id-continuity';

const rows = (...ids: number[]) => ids.map((id) => ({ id }));

describe('id continuity', () => {
  it('finds nothing wrong with a consecutive run', () => {
    expect(idContinuity(rows(7, 8, 9, 10))).toEqual({ rows: 4, first: 7, last: 10, missing: [], missingIds: 0, repeated: [], outOfOrder: 0 });
  });

  it('reports an empty list as holding nothing', () => {
    expect(idContinuity([])).toEqual({ rows: 0, first: null, last: null, missing: [], missingIds: 0, repeated: [], outOfOrder: 0 });
  });

  it('lists the holes between the lowest and highest id as runs', () => {
    expect(idContinuity(rows(1, 2, 4, 8, 9, 12))).toMatchObject({ first: 1, last: 12, missing: [{ from: 3, to: 3 }, { from: 5, to: 7 }, { from: 10, to: 11 }], missingIds: 6 });
  });

  it('counts every copy of a repeated id and keeps the held range', () => {
    expect(idContinuity(rows(1, 2, 2, 3, 3, 3))).toMatchObject({ rows: 6, first: 1, last: 3, missing: [], repeated: [{ id: 2, times: 2 }, { id: 3, times: 3 }] });
  });

  it('counts rows held out of id order, wherever they sit', () => {
    expect(idContinuity(rows(5, 3, 4, 6, 1))).toMatchObject({ first: 1, last: 6, missing: [{ from: 2, to: 2 }], outOfOrder: 2 });
  });
});
