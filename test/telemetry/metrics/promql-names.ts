// PromQL words that look like names but are not metrics.
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
]);

/**
 * The metric names a PromQL expression reads (Grafana variables allowed), found by removing what can hold other
 * words (strings, label matchers, ranges, label lists, variables) and leaving out function names and keywords.
 */
export function metricNamesIn(expression: string): string[] {
  const stripped = expression
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names: string[] = [];
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const word = match[0];
    const isFunction = /^\s*\(/.test(stripped.slice(match.index + word.length));
    if (!isFunction && !KEYWORDS.has(word)) names.push(word);
  }
  return names;
}

/** The metric a Grafana `label_values(metric{…}, label)` variable query reads, if it is one. */
export function metricOfLabelValues(query: string): string | undefined {
  return /^\s*label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(query)?.[1];
}
