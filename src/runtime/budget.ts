// Memory budgets of a target device, enforced at load: the activation arena,
// kernel scratch and the runtime's own RAM must fit in SRAM; the packed
// weights and the runtime's code must fit in flash. The numbers come from a
// target profile (src/targets/profile.ts builds a TargetBudget from one); this
// file sits in runtime/ so that loadModel can enforce them without importing
// the later targets/ layer.
import { fail } from '../errors.ts';
import type { CompiledPlan } from '../schedule/compile.ts';

export interface TargetBudget {
  name: string;
  sramBytes: number;
  flashBytes: number;
  /** RAM the runtime itself needs (stack, interpreter state, I/O buffers). */
  runtimeSramBytes: number;
  /** Flash the runtime's code and constant tables take. */
  runtimeFlashBytes: number;
}

export interface BudgetUse {
  /** Arena + scratch + runtime RAM. */
  sramUsedBytes: number;
  /** Weights + runtime code. */
  flashUsedBytes: number;
  sramOverBytes: number;
  flashOverBytes: number;
}

/**
 * What a plan needs of a budget. `activationScale` and `weightBytes` let the
 * estimator ask "what if this model were int8" (activations 1/4 of f32); the
 * runtime passes neither and gets the plan as it will run.
 */
export function measureBudget(plan: CompiledPlan, budget: TargetBudget, options: { activationScale?: number; weightBytes?: number } = {}): BudgetUse {
  const scale = options.activationScale ?? 1;
  const activations = Math.ceil((plan.layout.arenaBytes + plan.layout.scratchBytes) * scale);
  const weights = options.weightBytes ?? plan.layout.weightBytes;
  const sramUsedBytes = activations + budget.runtimeSramBytes;
  const flashUsedBytes = weights + budget.runtimeFlashBytes;
  return {
    sramUsedBytes,
    flashUsedBytes,
    sramOverBytes: Math.max(0, sramUsedBytes - budget.sramBytes),
    flashOverBytes: Math.max(0, flashUsedBytes - budget.flashBytes),
  };
}

/**
 * Refuses a plan that does not fit the budget and returns the linear-memory
 * cap for the instance: everything below the weights (the module's own data
 * and stack), the weights, then only as much as the target's SRAM leaves for
 * arena, scratch and op list, rounded up to whole 64 KiB pages.
 */
export function enforceBudget(plan: CompiledPlan, budget: TargetBudget, file?: string): number {
  const use = measureBudget(plan, budget);
  const where = { ...(file ? { file } : {}), section: `target ${budget.name}` };
  if (use.sramOverBytes > 0) {
    fail('PLAN_BUDGET_SRAM', `the activation arena exceeds the target's SRAM by ${use.sramOverBytes} bytes (arena ${plan.layout.arenaBytes} + scratch ${plan.layout.scratchBytes} + runtime ${budget.runtimeSramBytes})`, {
      where,
      expected: `<= ${budget.sramBytes} bytes`,
      found: `${use.sramUsedBytes} bytes`,
    });
  }
  if (use.flashOverBytes > 0) {
    fail('PLAN_BUDGET_FLASH', `the weights exceed the target's flash by ${use.flashOverBytes} bytes (weights ${plan.layout.weightBytes} + runtime ${budget.runtimeFlashBytes})`, {
      where,
      expected: `<= ${budget.flashBytes} bytes`,
      found: `${use.flashUsedBytes} bytes`,
    });
  }
  return memoryCapBytes(plan, budget);
}

export function memoryCapBytes(plan: CompiledPlan, budget: TargetBudget): number {
  const sramForModel = budget.sramBytes - budget.runtimeSramBytes;
  const bytes = plan.layout.arenaOffset + sramForModel + plan.layout.opListBytes;
  return Math.ceil(bytes / 65536) * 65536;
}
