import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { consoleSteps, examplesIn, shSteps, tsExpected, type Example } from '../docs/markdown-examples.js';
import { outputMatches } from '../docs/output-match.js';

const sh = (code: string): Example => ({ file: 'x.md', line: 1, language: 'sh', code });

/** Text with no wildcard and no whitespace at either end. */
const word = fc.stringMatching(/^[A-Za-z0-9{}":,[\]._=-]{1,12}$/);
const text = fc.array(word, { minLength: 1, maxLength: 6 });
/** A shell word with nothing the shell treats specially. */
const shellWord = fc.stringMatching(/^[A-Za-z0-9._=,-]{1,12}$/);

describe('doc output matching', () => {
  it('matches a text however its whitespace is laid out, and not a text with anything more', () => {
    fc.assert(
      fc.property(text, fc.array(fc.constantFrom(' ', '\n', '\t', '  \n  '), { minLength: 6, maxLength: 6 }), word, (words, gaps, extra) => {
        const doc = words.join(' ');
        const printed = `\n${words.map((w, i) => w + gaps[i]).join('')}`;
        expect(outputMatches(doc, printed)).toBe(true);
        expect(outputMatches(doc, `${printed}${extra}`)).toBe(false);
        expect(outputMatches(doc, `${extra} ${printed}`)).toBe(false);
      }),
    );
  });

  it('lets … stand for any text, and only there', () => {
    fc.assert(
      fc.property(word, word, fc.string(), (before, after, anything) => {
        expect(outputMatches(`${before}…${after}`, `${before}${anything}${after}`)).toBe(true);
        expect(outputMatches(`${before}${after}`, `${before}x${after}`)).toBe(false);
      }),
    );
  });

  it('ignores the values of the named volatile fields, in JSON and util.inspect form, and no other field', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.stringMatching(/^[0-9a-f]{16}$/), fc.stringMatching(/^[0-9a-f]{16}$/), (t1, t2, id1, id2) => {
        const record = (timestamp: number, topicId: string, offset: number) => ({ topicId, records: [{ offset, timestamp }] });
        expect(outputMatches(JSON.stringify(record(t1, id1, 0)), JSON.stringify(record(t2, id2, 0)))).toBe(true);
        expect(outputMatches(`{ timestamp: '${t1}', partition: 0 }`, `{\n  timestamp: '${t2}',\n  partition: 0\n}`)).toBe(true);
        if (t1 !== t2) expect(outputMatches(JSON.stringify(record(0, id1, t1)), JSON.stringify(record(0, id1, t2)))).toBe(false);
      }),
    );
  });
});

describe('doc example extraction', () => {
  it('finds sh, console and ts blocks with their not-run markers, and only those', () => {
    const md = ['# T', '```sh', 'a', '```', '<!-- not-run: needs AWS -->', '```ts', 'b', '```', '```json', '{}', '```', '```', 'c', '```', '````console', '$ d', '````'].join('\n');
    expect(examplesIn('x.md', md)).toEqual([
      { file: 'x.md', line: 2, language: 'sh', code: 'a' },
      { file: 'x.md', line: 6, language: 'ts', code: 'b', notRun: 'needs AWS' },
      { file: 'x.md', line: 15, language: 'console', code: '$ d' },
    ]);
  });

  it('splits an sh block into commands, multi-line quotes and backslashes included, each with the # → lines under it', () => {
    // A command: words, maybe a quoted argument spanning lines, maybe a backslash continuation.
    const command = fc.record({
      words: fc.array(shellWord, { minLength: 1, maxLength: 3 }),
      quoted: fc.option(fc.array(fc.stringMatching(/^[^'\n]{0,10}$/), { minLength: 1, maxLength: 3 }), { nil: undefined }),
      continued: fc.option(shellWord, { nil: undefined }),
      comment: fc.option(fc.constantFrom("# it's a comment", '# "half'), { nil: undefined }),
      expected: fc.array(fc.stringMatching(/^[^\n]{1,10}$/), { maxLength: 2 }),
    });
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 5 }), fc.boolean(), (commands, blankBetween) => {
        const lines: string[] = [];
        const wanted: Array<{ code: string; expected?: string }> = [];
        for (const c of commands) {
          let code = c.words.join(' ');
          if (c.quoted) code += ` '${c.quoted.join('\n')}'`;
          if (c.continued) code += ` \\\n  ${c.continued}`;
          if (c.comment) code += `   ${c.comment}`;
          lines.push(code, ...c.expected.map((e) => `# → ${e}`));
          if (blankBetween) lines.push('');
          wanted.push({ code, ...(c.expected.length ? { expected: c.expected.join('\n') } : {}) });
        }
        expect(shSteps(sh(lines.join('\n'))).map(({ code, expected }) => ({ code, ...(expected === undefined ? {} : { expected }) }))).toEqual(wanted);
      }),
    );
  });

  it('joins indented # lines under a # → line to it, and reads console and ts outputs', () => {
    expect(shSteps(sh('# a comment\ncurl -s x\n# → {"a":1,\n#    "b":2}\n\necho hi'))).toEqual([
      { line: 3, code: 'curl -s x', expected: '{"a":1,"b":2}' },
      { line: 7, code: 'echo hi' },
    ]);
    expect(consoleSteps({ file: 'x.md', line: 1, language: 'console', code: '$ runnel nope\nrunnel: no\n$ true' })).toEqual([
      { line: 2, code: 'runnel nope', expected: 'runnel: no' },
      { line: 4, code: 'true', expected: '' },
    ]);
    expect(tsExpected({ file: 'x.md', line: 1, language: 'ts', code: 'console.log(1);\n// → 1\nf(); // → not this\n  // → 2' })).toBe('1\n2');
  });
});
