/** Durations are written the way the seed README does: "30s", "5m", "1h30m"; units from days down to milliseconds. */
const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
const UNIT_ORDER: readonly Unit[] = ['d', 'h', 'm', 's', 'ms'];
const PART = /(\d+)(ms|d|h|m|s)/y;

export const DURATION_EXPECTATION = 'a duration like "30s", "5m" or "1h30m" (units d, h, m, s, ms)';

/** Returns the duration in milliseconds, or undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  if (text.length === 0) return undefined;
  let total = 0;
  let previousUnitIndex = -1;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const match = PART.exec(text);
    if (!match) return undefined;
    const unit = match[2] as Unit;
    const unitIndex = UNIT_ORDER.indexOf(unit);
    // "5m1h" or "1m1m" is almost certainly a typo: units must come once each, largest first.
    if (unitIndex <= previousUnitIndex) return undefined;
    previousUnitIndex = unitIndex;
    total += Number(match[1]) * UNIT_MS[unit];
  }
  return total;
}

/** The shortest duration text that parseDuration reads back to the same value. */
export function formatDuration(milliseconds: number): string {
  if (milliseconds === 0) return '0s';
  let rest = milliseconds;
  let text = '';
  for (const unit of UNIT_ORDER) {
    const count = Math.floor(rest / UNIT_MS[unit]);
    if (count > 0) {
      text += `${count}${unit}`;
      rest -= count * UNIT_MS[unit];
    }
  }
  return text;
}
