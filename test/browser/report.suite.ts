// The HTML report opens in headless Chromium without console errors and
// shows its charts. Run by `npm run test:browser`, which needs the `chromium`
// package (.ci/run installs it); without it this suite fails and says so.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderFixtureReport } from '../helpers/report-fixture.ts';

function findChromium(): string | null {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return null;
}

const dir = mkdtempSync(path.join(tmpdir(), 'tinysense-report-'));

/** Loads a page headless and screenshots it; returns the console lines Chromium logged. */
function openPage(chromium: string, file: string, screenshot: string): { console: string[] } {
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--enable-logging=stderr', '--v=0', '--window-size=1280,1600'];
  const r = spawnSync(chromium, [...args, `--screenshot=${screenshot}`, pathToFileURL(file).href], { encoding: 'utf8', timeout: 60_000 });
  return { console: (r.stderr ?? '').split('\n').filter((l) => /CONSOLE/.test(l)) };
}

const chromium = findChromium();

test('the HTML report opens in headless Chromium without console errors and shows its charts', async () => {
  assert.ok(chromium, 'no `chromium` on PATH: install it (Debian: apt-get install chromium) to run npm run test:browser');
  writeFileSync(path.join(dir, 'report.html'), await renderFixtureReport());
  // Control: the console check does see errors.
  const bad = path.join(dir, 'bad.html');
  writeFileSync(bad, '<!doctype html><title>x</title><script>console.error("boom")</script>');
  assert.ok(openPage(chromium!, bad, path.join(dir, 'bad.png')).console.some((l) => l.includes('boom')), 'the console check cannot see errors');

  const png = path.join(dir, 'report.png');
  const page = openPage(chromium!, path.join(dir, 'report.html'), png);
  assert.equal(page.console, []);
  const bytes = readFileSync(png);
  assert.is(bytes.subarray(1, 4).toString('latin1'), 'PNG');
  // A blank 1280x1600 page compresses to a few KB; charts make it far larger.
  assert.ok(statSync(png).size > 40_000, `screenshot only ${statSync(png).size} bytes`);
});

test.run();
