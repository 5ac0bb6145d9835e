/**
 * Lambda event filtering, the subset the dispatcher's mapping uses: nested objects, lists of literal
 * values, and `{ exists: boolean }`. A list in the pattern matches a leaf equal to one of its entries (a
 * leaf that is itself a list matches when any element does); fields the pattern does not name are
 * ignored. The tests apply it to real stream records as the event source mapping would.
 */
export type FilterPattern = { readonly [key: string]: FilterPattern | readonly FilterMatcher[] };
type FilterMatcher = string | number | { readonly exists: boolean };

export function matchesFilter(pattern: FilterPattern, event: unknown): boolean {
  if (typeof event !== 'object' || event === null) return false;
  const fields = event as Record<string, unknown>;
  return Object.entries(pattern).every(([key, rule]) => {
    const value = fields[key];
    // A missing object is an empty one: only `exists: false` below it can match.
    if (!Array.isArray(rule)) return matchesFilter(rule as FilterPattern, value ?? {});
    return (rule as readonly FilterMatcher[]).some((m) => matchesLeaf(m, value));
  });
}

function matchesLeaf(matcher: FilterMatcher, value: unknown): boolean {
  if (typeof matcher === 'object') {
    const present = value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0);
    return matcher.exists === present;
  }
  if (value === undefined || (typeof value === 'object' && value !== null && !Array.isArray(value))) return false;
  return [value].flat().some((v) => v === matcher);
}
