/**
 * Axis labels that stay readable: y ticks with just enough decimals to tell them apart
 * ("99.5 99.8 100.0", never "100 100 99"), time ticks whose label fits the space uPlot
 * leaves between them, and an x window that never collapses to one instant. Pure.
 */

/** Labels for y ticks `incr` apart: the fewest decimals (≥ what incr needs) that make every label distinct. */
export function yTickLabels(ticks: readonly number[], incr: number, unit = ''): string[] {
  let decimals = incr > 0 && Number.isFinite(incr) ? Math.max(0, Math.ceil(-Math.log10(incr) - 1e-9)) : 0;
  for (;;) {
    const labels = ticks.map((tick) => `${formatNumber(tick, decimals)}${unit}`);
    if (new Set(labels).size === labels.length || decimals >= 6) return labels;
    decimals += 1;
  }
}

function formatNumber(value: number, decimals: number): string {
  const text = value.toFixed(decimals);
  // "-0" is not a label.
  return /^-0(\.0+)?$/.test(text) ? text.slice(1) : text;
}

/** Approximate advance of one character of the axis font (12 px system-ui), in px. */
export const AXIS_CHAR_PX = 7;

export interface TimeAxis {
  /** Minimum px between ticks (uPlot `space`): the longest label plus a gap. */
  space: number;
  format: (ms: number) => string;
}

const pad = (n: number) => String(n).padStart(2, '0');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Time labels for a window of `spanMs` in the viewer's time zone: "14:05:30" up to 10
 * minutes, "14:05" up to a day, "Dec 2 14:00" beyond. One line, 24-hour clock, so two
 * neighbours can never run into each other ("8:08pm8:09pm").
 */
export function timeAxis(spanMs: number): TimeAxis {
  const format =
    spanMs <= 10 * 60_000
      ? (ms: number) => {
          const d = new Date(ms);
          return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
        }
      : spanMs <= 24 * 3_600_000
        ? (ms: number) => {
            const d = new Date(ms);
            return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
          }
        : (ms: number) => {
            const d = new Date(ms);
            return `${MONTHS[d.getMonth()]} ${d.getDate()} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
          };
  const longest = spanMs <= 10 * 60_000 ? 8 : spanMs <= 24 * 3_600_000 ? 5 : 12;
  return { space: longest * AXIS_CHAR_PX + 24, format };
}

/**
 * The x window to draw (seconds, as uPlot scales are): the range asked for when there is
 * one; otherwise the data's extent, widened to a minute around a single sample.
 */
export function xWindow(times: readonly number[], window?: { from: number; to: number }): [number, number] | null {
  if (window && window.to > window.from) return [window.from / 1000, window.to / 1000];
  if (times.length === 0) return null;
  const first = (times[0] as number) / 1000;
  const last = (times.at(-1) as number) / 1000;
  return last - first < 1 ? [first - 30, last + 30] : [first, last];
}
