/**
 * How a doc's shown output is compared with what an example printed (docs/CONTRIBUTING-docs.md): runs
 * of whitespace compare equal, `…` in the doc matches any text, and the values of a few named volatile
 * fields are ignored on both sides. Nothing else is forgiven.
 */
export const VOLATILE_FIELDS = ['timestamp', 'createdAt', 'topicId', 'memberId', 'expiresInMs'] as const;

// `"name":value` (JSON) or `name: value` (util.inspect), the value a string or a number.
const volatile = new RegExp(`((?:"(?:${VOLATILE_FIELDS.join('|')})"|\\b(?:${VOLATILE_FIELDS.join('|')}))\\s*:\\s*)(?:"(?:[^"\\\\]|\\\\.)*"|'[^']*'|-?\\d+(?:\\.\\d+)?)`, 'g');

const normalize = (text: string): string => text.replace(volatile, '$1…').replace(/\s+/g, ' ').trim();

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function outputMatches(expected: string, actual: string): boolean {
  const pattern = normalize(expected).split('…').map(escape).join('[\\s\\S]*?');
  return new RegExp(`^${pattern}$`).test(normalize(actual));
}
