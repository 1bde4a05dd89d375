import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fail } from '../errors.ts';
import { createProgress } from '../util/progress.ts';
import { runProfile } from '../timemodel/profile.ts';
import { explainProfile, readProfileFile, type TimeProfile } from '../timemodel/profile-file.ts';
import { predictLatency, type LatencyPrediction } from '../timemodel/predict.ts';
import type { Model } from '../graph/model.ts';
import { formatTable, intOption, type Command } from './common.ts';
import { buildOption, buildsOption } from './run.ts';

/**
 * V8 first runs wasm in its baseline tier and optimises hot functions later,
 * in the background; a busy machine can leave kernels unoptimised for
 * seconds. A long-running process is optimised, so that is what to time:
 * the profiler runs under flags that compile every function optimised up
 * front.
 */
export const OPTIMISED_WASM_FLAGS = ['--no-liftoff', '--no-wasm-dynamic-tiering'];

function hasOptimisedWasmFlags(): boolean {
  return OPTIMISED_WASM_FLAGS.every((f) => process.execArgv.includes(f));
}

export const profileCommand: Command = {
  name: 'profile',
  summary: 'time the kernels on this machine and fit the execution-time model',
  help: `usage: tinysense profile [--quick] [--build relaxed|simd|scalar|all] [-o profile.json]
       tinysense profile --explain profile.json

Times every kernel class (dense, conv1d, conv2d, depthwise, pooling, GRU,
LSTM, element-wise, softmax) on sampled configurations on this machine, each
as a one-op model, and fits one model tree per class: splits on explanatory
variables (channel counts and their remainders mod 4/8/16, kernel size, ...)
and a linear model in each leaf. Where the first fit misses a fresh probe by
more than 10 %, it times more configurations nearby before the final fit.
A progress bar goes to stderr. Use the profile with
\`tinysense inspect MODEL --time-model profile.json\`.

  --quick          fewer samples (about a minute); the full run takes several
  --build          relaxed, simd, scalar or all (default all: every build this
                   engine runs; relaxed needs relaxed SIMD, in Node 20
                   node --experimental-wasm-relaxed-simd dist/cli.js profile)
  -o, --output     where to write the profile (default profile.json)
  --seed N         sampling seed (default 1)
  --explain FILE   print the trees of a saved profile as rules and exit`,
  options: {
    quick: { type: 'boolean' },
    build: { type: 'string' },
    output: { type: 'string', short: 'o' },
    seed: { type: 'string' },
    explain: { type: 'string' },
  },
  run(values, positionals) {
    if (positionals.length > 0) fail('CLI_USAGE', 'tinysense profile takes no positional arguments', { found: positionals.join(' ') });
    if (typeof values.explain === 'string') {
      console.log(explainProfile(readProfileFile(values.explain)));
      return;
    }
    const builds = buildsOption(values.build);
    const seed = intOption(values, 'seed', 1, 0);
    const output = (values.output as string | undefined) ?? 'profile.json';
    if (!hasOptimisedWasmFlags() && process.env.TINYSENSE_PROFILE_CHILD !== '1') {
      // Re-run this command under the flags (same script, same arguments).
      const r = spawnSync(process.execPath, [...process.execArgv, ...OPTIMISED_WASM_FLAGS, process.argv[1], ...process.argv.slice(2)], {
        stdio: 'inherit',
        env: { ...process.env, TINYSENSE_PROFILE_CHILD: '1' },
      });
      if (r.status !== 0) process.exit(r.status ?? 1);
      return;
    }
    const progress = createProgress({ total: 1, label: 'profile' });
    const t0 = performance.now();
    const profile = runProfile({ quick: Boolean(values.quick), builds, seed, progress });
    try {
      writeFileSync(output, `${JSON.stringify(profile, null, 1)}\n`);
    } catch (e) {
      fail('IO_FILE', `cannot write ${output}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { where: { file: output }, cause: e });
    }
    const lines = [`wrote ${output} (${profile.mode}, ${((performance.now() - t0) / 1000).toFixed(0)} s) on ${profile.machine.cpu}, ${profile.machine.cores} cores, Node ${profile.machine.node}`];
    for (const [build, bp] of Object.entries(profile.builds)) {
      const cls = Object.entries(bp!.classes).map(([c, cp]) => `${c} ${(cp!.validation.within10 * 100).toFixed(0)}%`);
      lines.push(`  ${build}: held-out within +-10 %: ${cls.join(', ')}`);
    }
    console.log(lines.join('\n'));
  },
};

// `tinysense inspect MODEL --time-model profile.json`: per-layer predicted
// latency next to the FLOPs-proportional baseline.
export const TIME_MODEL_OPTIONS = { 'time-model': { type: 'string' }, 'time-build': { type: 'string' } } as const;

export const TIME_MODEL_HELP = `
  --time-model FILE    predict each layer's latency on the machine FILE was profiled on
                       (\`tinysense profile\`), next to a FLOPs-proportional baseline
  --time-build B       relaxed, simd, scalar or auto (default auto: the fastest build the profile has)`;

export function inspectWithTimeModel(model: Model, values: Record<string, unknown>): void {
  const profile = readProfileFile(values['time-model'] as string);
  const build = buildOption(values['time-build'], '--time-build');
  const p = predictLatency(model, profile, build === 'auto' ? {} : { build });
  if (values.json) {
    console.log(JSON.stringify({ machine: profile.machine, ...p }, null, 2));
    return;
  }
  console.log(formatPrediction(model.name, profile, p));
}

export function formatPrediction(name: string, profile: TimeProfile, p: LatencyPrediction): string {
  const us = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
  const rows = p.layers.map((l, i) => [String(i), l.name, l.type, l.macs, `${us(l.us)}${l.approximate ? ' ~' : ''}`, us(l.baselineUs)]);
  const m = profile.machine;
  const lines = [
    `model ${name}: predicted latency on ${m.cpu} (${m.cores} cores, Node ${m.node}), ${p.build} build, profile ${profile.mode} of ${profile.createdAt.slice(0, 10)}`,
    '',
    formatTable(['#', 'op', 'type', 'MACs', 'predicted us', 'FLOPs baseline us'], rows),
    '',
    `total: predicted ${us(p.totalUs)} us (${us(p.overheadUs)} us per-inference overhead + layers); FLOPs baseline ${us(p.baselineUs)} us`,
  ];
  if (p.layers.some((l) => l.approximate)) lines.push('~ = op without a profiled class of its own: estimated from the element-wise model or the baseline');
  return lines.join('\n');
}
