// Memory planning: activation lifetimes -> arena offsets -> report.
export { computeBuffers, type ActivationBuffer, type BufferSet, type MemoryKind } from './lifetimes.ts';
export { planArena, alignUp, type ArenaPlan, type ArenaOptions, type PlannedBuffer } from './arena.ts';
export { memoryReport, formatBytes, type MemoryReport, type OpMemory, type BufferMemory } from './report.ts';
