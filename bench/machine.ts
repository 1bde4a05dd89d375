// One line describing where a benchmark ran, printed with every result.
import os from 'node:os';

export function describeMachine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${cpu.trim()}, ${os.cpus().length} cores, Node ${process.version}, ${os.platform()} ${os.arch()}`;
}
