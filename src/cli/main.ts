// tinysense command line: `tinysense <command> [options]`, --help on each.
import { isTinysenseError } from '../errors.ts';
import { parseCommandArgs, type Command } from './common.ts';
import { inspectCommand } from './inspect.ts';
import { runCommand } from './run.ts';
import { benchCommand } from './bench.ts';
import { demoCommand } from './demo.ts';
import { profileCommand } from './profile.ts';
import { trainCommand } from './train.ts';
import { evalCommand } from './eval.ts';
import { targetsCommand } from './targets.ts';
import { importCommand } from './import.ts';

const COMMANDS: Command[] = [inspectCommand, runCommand, importCommand, benchCommand, demoCommand, targetsCommand, profileCommand, trainCommand, evalCommand];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: tinysense <command> [options]   (tinysense <command> --help for details)',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    console.error(`tinysense: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    const { values, positionals } = parseCommandArgs(cmd, rest);
    if (values.help) {
      console.log(cmd.help);
      return 0;
    }
    await cmd.run(values as Record<string, unknown>, positionals);
    return 0;
  } catch (e) {
    if (isTinysenseError(e)) {
      console.error(`tinysense ${cmd.name}: ${e.message}`);
      return e.code === 'CLI_USAGE' ? 2 : 1;
    }
    throw e;
  }
}

process.exitCode = await main(process.argv.slice(2));
