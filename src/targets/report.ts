// The HTML report of `inspect --target ... --html FILE`: one self-contained
// page (inline SVG, no scripts, no network) with per-layer bars of latency,
// energy and MACs, the arena occupancy over the op sequence against the SRAM
// line, and the same model on every target side by side. Charts are
// Vega-Lite specs compiled and rendered to SVG in Node (vega's headless
// View, renderer 'none'), so the page needs nothing at view time.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { TargetEstimate } from './estimate.ts';
import type { TargetProfile } from './profile.ts';

async function toSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const num = (v: number) => Number(v.toPrecision(3)).toLocaleString('en-US');

function layerBars(e: TargetEstimate, field: 'latencyMs' | 'energyUj' | 'macs', title: string): TopLevelSpec {
  const values = e.layers.filter((l) => l.cls !== null).map((l) => ({ layer: `${l.index} ${l.name}`, cls: l.cls, value: l[field] }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 260,
    height: { step: 14 },
    data: { values },
    mark: 'bar',
    encoding: {
      y: { field: 'layer', type: 'nominal', sort: null, title: null },
      x: { field: 'value', type: 'quantitative', title },
      color: { field: 'cls', type: 'nominal', title: 'cost class' },
    },
  };
}

function arenaChart(e: TargetEstimate): TopLevelSpec {
  const budget = e.memory.sramBytes - e.memory.runtimeSramBytes;
  const names = new Map(e.layers.map((l) => [l.index, l.name]));
  const values = e.memory.liveBytesPerOp.map((bytes, op) => ({ op, name: names.get(op) ?? '', kib: bytes / 1024 }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `Live activations per op vs SRAM available to the model (${num(budget / 1024)} KiB)`,
    width: 560,
    height: 200,
    layer: [
      { data: { values }, mark: { type: 'area', line: true, interpolate: 'step-after', opacity: 0.5 }, encoding: { x: { field: 'op', type: 'quantitative', title: 'op index' }, y: { field: 'kib', type: 'quantitative', title: 'KiB' } } },
      { data: { values: [{ kib: budget / 1024 }] }, mark: { type: 'rule', color: '#c0392b', strokeDash: [6, 4], strokeWidth: 2 }, encoding: { y: { field: 'kib', type: 'quantitative' } } },
    ],
  };
}

function targetsChart(all: TargetEstimate[], field: 'latencyMs' | 'energyUj', title: string): TopLevelSpec {
  const values = all.map((e) => ({ target: e.target, value: e.totals[field], verdict: e.verdict }));
  // A log axis has no zero: bars start a factor below the smallest value.
  const floor = Math.min(...values.map((v) => v.value).filter((v) => v > 0)) / 2;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 260,
    height: { step: 18 },
    data: { values },
    mark: 'bar',
    encoding: {
      y: { field: 'target', type: 'nominal', sort: null, title: null },
      x: { field: 'value', type: 'quantitative', scale: { type: 'log' }, title: `${title} (log scale)` },
      x2: { datum: floor },
      color: { field: 'verdict', type: 'nominal', scale: { domain: ['fits', 'does not fit'], range: ['#2e86c1', '#c0392b'] }, title: 'memory' },
    },
  };
}

export async function renderReport(e: TargetEstimate, all: TargetEstimate[], profile: TargetProfile): Promise<string> {
  const charts = await Promise.all([
    toSvg(layerBars(e, 'latencyMs', 'latency (ms)')),
    toSvg(layerBars(e, 'energyUj', 'energy (uJ)')),
    toSvg(layerBars(e, 'macs', 'MACs')),
    toSvg(arenaChart(e)),
    toSvg(targetsChart(all, 'latencyMs', 'latency (ms)')),
    toSvg(targetsChart(all, 'energyUj', 'energy (uJ)')),
  ]);
  const m = e.memory;
  const rows = all
    .map((t) => `<tr><td>${escapeHtml(t.target)}</td><td>${num(t.totals.latencyMs)}</td><td>${num(t.totals.energyUj)}</td><td>${num(t.totals.gopPerW)}</td><td>${num(t.memory.sramUsedBytes / 1024)} / ${num(t.memory.sramBytes / 1024)}</td><td class="${t.verdict === 'fits' ? 'ok' : 'bad'}">${t.verdict}</td></tr>`)
    .join('\n');
  const notes = [...e.flags.map((f) => `warning: ${f}`), ...(e.provisional.length ? [`provisional constants (no published measurement): ${e.provisional.join(', ')}`] : [])];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>tinysense: ${escapeHtml(e.model)} on ${escapeHtml(e.target)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
.charts { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
table { border-collapse: collapse; } td, th { padding: 3px 10px; border-bottom: 1px solid #ddd; text-align: right; }
td:first-child, th:first-child { text-align: left; }
.ok { color: #1e8449; } .bad { color: #c0392b; font-weight: bold; }
.notes { color: #7d6608; }
</style>
</head>
<body>
<h1>${escapeHtml(e.model)} on ${escapeHtml(e.target)} (${escapeHtml(profile.board)}, ${escapeHtml(profile.core)} at ${num(profile.clockHz.value / 1e6)} MHz)</h1>
<p>${e.quality} kernels, ${e.dtype}: <b>${num(e.totals.latencyMs)} ms</b>, <b>${num(e.totals.energyUj)} uJ</b> per inference,
${num(e.totals.gopPerS)} GOP/s, ${num(e.totals.gopPerW)} GOP/W.
Memory: <span class="${e.verdict === 'fits' ? 'ok' : 'bad'}">${e.verdict}</span>:
SRAM ${num(m.sramUsedBytes / 1024)} KiB of ${num(m.sramBytes / 1024)} KiB (arena peak at op ${m.peakOp.index} ${escapeHtml(m.peakOp.name)}),
flash ${num(m.flashUsedBytes / 1024)} KiB of ${num(m.flashBytes / 1024)} KiB.</p>
${notes.length ? `<ul class="notes">${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : ''}
<h2>Per layer</h2>
<div class="charts">${charts[0]}${charts[1]}${charts[2]}</div>
<h2>Arena occupancy</h2>
<div class="charts">${charts[3]}</div>
<h2>All targets</h2>
<div class="charts">${charts[4]}${charts[5]}</div>
<table>
<tr><th>target</th><th>latency ms</th><th>energy uJ</th><th>GOP/W</th><th>SRAM KiB used / has</th><th>memory</th></tr>
${rows}
</table>
<p>Estimates from the per-kernel-class cost model of tinysense (docs/targets.md); constants and their sources are in targets/${escapeHtml(e.target)}.json.</p>
</body>
</html>
`;
}
