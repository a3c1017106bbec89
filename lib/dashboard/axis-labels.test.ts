import { describe, expect, it } from 'vitest';
import { AXIS_CHAR_PX, timeAxis, xWindow, yTickLabels } from '@/lib/dashboard/axis-labels';

describe('y tick labels', () => {
  it('never repeats a label when the ticks are closer than a unit ("100 100 99")', () => {
    expect(yTickLabels([99, 99.5, 100], 0.5)).toEqual(['99.0', '99.5', '100.0']);
    expect(yTickLabels([249.8, 250, 250.2], 0.2)).toEqual(['249.8', '250.0', '250.2']);
    expect(yTickLabels([99.75, 99.8, 99.85, 99.9], 0.05, ' %')).toEqual(['99.75 %', '99.80 %', '99.85 %', '99.90 %']);
  });

  it('keeps whole numbers whole when the ticks are whole', () => {
    expect(yTickLabels([0, 250, 500], 250)).toEqual(['0', '250', '500']);
    expect(yTickLabels([-0.0001, 1, 2], 1)).toEqual(['0', '1', '2']);
  });
});

describe('time axis', () => {
  it.each([
    [5 * 60_000, /^\d\d:\d\d:\d\d$/],
    [60 * 60_000, /^\d\d:\d\d$/],
    [24 * 3_600_000, /^\d\d:\d\d$/],
    [7 * 24 * 3_600_000, /^[A-Z][a-z]{2} \d{1,2} \d\d:\d\d$/],
  ])('for a %d ms window, one-line labels that fit the space between ticks', (span, shape) => {
    const axis = timeAxis(span);
    const now = Date.parse('2026-12-02T20:08:00Z');
    for (let t = now - span; t <= now; t += span / 7) {
      const label = axis.format(t);
      expect(label).toMatch(shape);
      // Two labels one `space` apart leave a gap: no "8:08pm8:09pm".
      expect(label.length * AXIS_CHAR_PX + 8).toBeLessThan(axis.space);
    }
  });
});

describe('x window', () => {
  it('spans the selected range, not years, with a single sample', () => {
    const t = Date.parse('2026-12-02T20:08:00Z');
    expect(xWindow([t], { from: t - 900_000, to: t })).toEqual([(t - 900_000) / 1000, t / 1000]);
    // Without a range: a minute around the one sample (uPlot alone spans "Jun 2027 … Jun 2029").
    expect(xWindow([t])).toEqual([t / 1000 - 30, t / 1000 + 30]);
    expect(xWindow([])).toBeNull();
  });
});
