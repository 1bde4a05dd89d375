// The HTML report is self-contained: no scripts, no external resources, one
// SVG per chart. That it renders in a browser is test/browser/report.suite.ts
// (npm run test:browser, which needs Chromium).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderFixtureReport } from '../helpers/report-fixture.ts';

test('the report is self-contained: no scripts, no external resources, one SVG per chart', async () => {
  const html = await renderFixtureReport();
  assert.not.ok(/<script|src=|href=/i.test(html), 'nothing to fetch or run');
  assert.is(html.match(/<svg/g)?.length, 6);
  assert.ok((html.match(/<path/g)?.length ?? 0) > 20, 'the charts have marks');
});

test.run();
