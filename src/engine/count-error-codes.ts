/** How many errors of each code a run had: what the metrics count by reason. */
export function countErrorCodes(errors: readonly { code: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { code } of errors) counts[code] = (counts[code] ?? 0) + 1;
  return counts;
}
