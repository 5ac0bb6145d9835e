/**
 * Padded base64 (RFC 4648) in its one canonical spelling: "AB==" decodes like "AA==" (its padding bits
 * are not zero), and a fetch would return the canonical spelling, so only that one is accepted.
 *
 * A string is canonical base64 exactly when encoding what it decodes to gives it back: the encoder only
 * ever writes canonical base64, and Node's decoder, lenient as it is (it skips characters outside the
 * alphabet, reads `-` and `_` as `+` and `/`, and needs no padding), decodes every canonical string to
 * the bytes it encodes. This is what `/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/`
 * plus a round trip of the last quantum says (test/unit/base64.test.ts holds it to exactly that), done by
 * Node's native codec: a produced 1 KiB value is checked in well under a microsecond, where that regex's
 * backtracking took eight.
 */
export const isBase64 = (s: string): boolean => Buffer.from(s, 'base64').toString('base64') === s;
