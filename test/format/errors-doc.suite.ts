// docs/errors.md documents exactly the codes of ERROR_CODES: each one as a
// `### \`CODE\`` heading with an example message and what to do, and no
// heading for a code that no longer exists.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERROR_CODES } from '../../src/errors.ts';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const sections = new Map<string, string>();
for (const part of doc.split(/^### /m).slice(1)) {
  const m = /^`([A-Z][A-Z0-9_]*)`\s*\n([\s\S]*)$/.exec(part);
  if (m) sections.set(m[1], m[2]);
}
const codes = Object.keys(ERROR_CODES);

test('errors.md: every code of ERROR_CODES is documented', () => {
  const missing = codes.filter((c) => !sections.has(c));
  assert.equal(missing, [], `undocumented codes: ${missing.join(', ')}`);
});

test('errors.md: no stale code (documented but not in ERROR_CODES)', () => {
  const stale = [...sections.keys()].filter((c) => !(c in ERROR_CODES));
  assert.equal(stale, [], `stale codes in docs/errors.md: ${stale.join(', ')}`);
  const mentioned = new Set([...doc.matchAll(/`((?:FORMAT|MODEL|OP|PLAN|IMPORT|RUN|CLI|IO)_[A-Z0-9_]+)`/g)].map((m) => m[1]));
  const unknown = [...mentioned].filter((c) => !(c in ERROR_CODES));
  assert.equal(unknown, [], `codes mentioned but not in ERROR_CODES: ${unknown.join(', ')}`);
});

test('errors.md: each code has an example message with that code and advice', () => {
  for (const [code, body] of sections) {
    assert.ok(body.includes(`Example: \`${code}: `), `${code}: example message starting with the code`);
    assert.ok(body.includes('What to do:'), `${code}: what the user should do`);
  }
});

test('format.md: every error code it names exists', () => {
  const format = readFileSync(new URL('../../docs/format.md', import.meta.url), 'utf8');
  const named = [...format.matchAll(/`([A-Z]+_[A-Z0-9_]+)`/g)].map((m) => m[1]).filter((c) => /^(FORMAT|MODEL|OP)_/.test(c) && c !== 'OP_REGISTRY');
  assert.ok(named.length > 0);
  assert.equal(named.filter((c) => !(c in ERROR_CODES)), []);
});

test.run();
