// The op tables agree: assembly/opcodes.ts (what run.ts dispatches on) and
// src/ops/opcodes.ts (what the host emits), and every registered op
// type has a unique name.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { OPCODES } from '../../src/ops/opcodes.ts';
import { OP_REGISTRY } from '../../src/ops/registry.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

function assemblyOpcodes(): Map<string, number> {
  const text = readFileSync(`${root}assembly/opcodes.ts`, 'utf8');
  const map = new Map<string, number>();
  for (const m of text.matchAll(/export const OP_([A-Z0-9_]+): i32 = (\d+);/g)) map.set(m[1], Number(m[2]));
  return map;
}

test('host opcode table equals assembly/opcodes.ts', () => {
  const asm = assemblyOpcodes();
  assert.equal(Object.fromEntries(asm), { ...OPCODES });
});

test('every opcode has a case in assembly/run.ts', () => {
  const run = readFileSync(`${root}assembly/run.ts`, 'utf8');
  for (const name of assemblyOpcodes().keys()) {
    assert.ok(run.includes(`case op.OP_${name}:`), `run.ts has no case for OP_${name}`);
  }
});

test('opcodes are unique', () => {
  const values = Object.values(OPCODES);
  assert.is(new Set(values).size, values.length);
});

test('registry names are unique and non-empty', () => {
  assert.ok(OP_REGISTRY.size > 0);
  for (const [name, def] of OP_REGISTRY) assert.is(def.type, name);
});

test.run();
