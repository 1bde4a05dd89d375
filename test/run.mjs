// Runs every uvu suite under test/ in one process and ends with the plain
// line CI reads: "N passed, N failed" (plus skipped, if any). The suites under
// test/browser/ need a browser (Chromium) and run only with --browser
// (npm run test:browser), which runs nothing else. The kernel suites run on
// every build the engine has; on Node 20 the relaxed-SIMD one needs a V8
// flag, which ensureRelaxedSimd() adds by running this script again.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureRelaxedSimd } from '../scripts/relaxed-simd.ts';

if (!ensureRelaxedSimd()) console.log('note: this engine has no relaxed SIMD; the relaxed build is not tested here');

const root = path.dirname(fileURLToPath(import.meta.url));
const browser = process.argv.includes('--browser');
const filter = process.argv.slice(2).find((a) => a !== '--browser');

async function findSuites(dir) {
  const out = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'fixtures' && e.name !== 'helpers' && e.name !== 'reference' && e.name !== 'browser') out.push(...(await findSuites(p)));
    } else if (/\.(suite|test)\.ts$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

const files = (await findSuites(browser ? path.join(root, 'browser') : root)).filter((f) => !filter || f.includes(filter));

// uvu prints its totals through process.stdout.write; read them as they pass.
let printed = '';
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
  printed += String(chunk);
  if (printed.length > 4096) printed = printed.slice(-4096);
  return write(chunk, ...rest);
};

globalThis.UVU_DEFER = 1;
const uvu = await import('uvu');
let idx = 0;
for (const file of files) {
  globalThis.UVU_INDEX = idx++;
  globalThis.UVU_QUEUE.push([path.relative(root, file)]);
  await import(pathToFileURL(file).href);
}
await uvu.exec(false);

process.stdout.write = write;
const plain = printed.replace(/\x1b\[[0-9;]*m/g, '');
const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? NaN);
const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? NaN);
const skipped = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
if (Number.isNaN(total) || Number.isNaN(passed)) {
  console.log('0 passed, 1 failed');
  process.exitCode = 1;
} else {
  const failed = total - passed - skipped;
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  if (failed > 0) process.exitCode = 1;
}
