// src/ folders import only from folders before them in the pipeline
// (docs/architecture.md); cli/ may import everything.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../../src/', import.meta.url));
const ORDER = ['errors.ts', 'util', 'graph', 'ops', 'format', 'plan', 'schedule', 'runtime', 'importers', 'targets', 'train', 'compress', 'timemodel', 'cli', 'index.ts'];
// graph/ and ops/ are one layer: the builder and validator use op definitions
// for shape inference, and op definitions use the IR types.
const SAME_LAYER = new Set(['graph:ops', 'ops:graph']);

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = path.join(dir, e);
    return statSync(p).isDirectory() ? filesUnder(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function layerOf(file: string): string {
  return path.relative(src, file).split(path.sep)[0];
}

test('src/ imports follow the pipeline order', () => {
  const problems: string[] = [];
  for (const file of filesUnder(src)) {
    const from = layerOf(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/from '(\.[^']+)'/g)) {
      const target = path.resolve(path.dirname(file), m[1]);
      if (!target.startsWith(src)) continue;
      const to = layerOf(target);
      if (to === from || SAME_LAYER.has(`${from}:${to}`)) continue;
      if (ORDER.indexOf(to) > ORDER.indexOf(from)) problems.push(`${path.relative(src, file)} imports ${m[1]} (${to} comes after ${from})`);
    }
  }
  assert.equal(problems, []);
});

test.run();
