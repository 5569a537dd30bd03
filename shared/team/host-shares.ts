import { INSTANCE_SPECS, type InstanceType, MIN_IDE_MEMORY_MIB, reservedMemoryMiB, SIZES, type Size } from '../core/instance-types';

/**
 * How one host is shared out among the IDEs of a run, so that one developer's build or
 * fork bomb cannot take the others down. The launcher computes the shares and passes them
 * to the team stack as parameters; the host's boot script only applies them.
 *
 * - Memory is split hard: it is the one resource whose overcommitment kills (the kernel's
 *   OOM killer picks its victim anywhere on the host), so the IDEs' limits add up to the
 *   host's memory minus a reserve for the kernel, Docker and Traefik (`reservedMemoryMiB`,
 *   in shared/core/instance-types.ts with the most IDEs each host holds).
 * - CPU is not split: an idle teammate's share would go to waste. Each IDE may use all but
 *   `CPU_RESERVE` of the vCPUs, so no single build takes the host, and Docker's equal CPU
 *   weights share the host evenly when everyone is busy.
 * - Processes and threads are capped per IDE, one per MiB of its memory: a fork bomb stops
 *   at its own limit instead of the host's.
 */

/** vCPUs no single IDE may take: left to Traefik and the OS. */
export const CPU_RESERVE = 0.5;

/** What each IDE of a run may use: Docker's --memory (and --memory-swap), --cpus and --pids-limit. */
export interface IdeShare {
  memoryMiB: number;
  cpus: number;
  pids: number;
}

/** Each IDE's share of the host for `seats` IDEs; undefined when one would get less than `MIN_IDE_MEMORY_MIB`. */
export function shareHost(instanceType: InstanceType, seats: number): IdeShare | undefined {
  const { vcpus, memoryMiB } = INSTANCE_SPECS[instanceType];
  if (!Number.isInteger(seats) || seats < 1) return undefined;
  const perIde = Math.floor((memoryMiB - reservedMemoryMiB(memoryMiB)) / seats);
  if (perIde < MIN_IDE_MEMORY_MIB) return undefined;
  return { memoryMiB: perIde, cpus: vcpus - CPU_RESERVE, pids: perIde };
}

const SIZE_ORDER = Object.keys(SIZES) as Size[];

/** The smallest `--size`, from `from` up, that holds `seats` IDEs; undefined when none does. */
export function smallestSizeFor(seats: number, from: Size = SIZE_ORDER[0] as Size): Size | undefined {
  return SIZE_ORDER.slice(SIZE_ORDER.indexOf(from)).find((size) => shareHost(SIZES[size], seats) !== undefined);
}

/** `1.4 GiB`: memory as a lead reads it, rounded down to a tenth. */
export function formatMemory(memoryMiB: number): string {
  return `${(Math.floor((memoryMiB / 1024) * 10) / 10).toFixed(1)} GiB`;
}
