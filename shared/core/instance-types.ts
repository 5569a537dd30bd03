/**
 * The hosts a run may use, and how many IDEs each holds. In core because the settings are
 * checked against them at cold start (DEFAULT_SIZE, MAX_SEATS); how a host is shared out
 * among its IDEs is shared/team/host-shares.ts, what it costs shared/team/instance-prices.ts.
 *
 * The instance types: the team template's InstanceType parameter allows exactly these (a
 * test keeps the two lists equal).
 */
export const INSTANCE_TYPES = [
  't3.medium',
  't3.large',
  't3.xlarge',
  't3.2xlarge',
  'm6i.large',
  'm6i.xlarge',
  'm6i.2xlarge',
] as const;

export type InstanceType = (typeof INSTANCE_TYPES)[number];

/** `--size` names, so a lead need not know EC2's catalogue. */
export const SIZES = {
  small: 't3.medium',
  medium: 't3.large',
  large: 't3.xlarge',
  xlarge: 't3.2xlarge',
} as const satisfies Record<string, InstanceType>;

export type Size = keyof typeof SIZES;

export function isSize(value: string): value is Size {
  return Object.hasOwn(SIZES, value);
}

export function isInstanceType(value: string): value is InstanceType {
  return (INSTANCE_TYPES as readonly string[]).includes(value);
}

/** What each instance type has to share out, as EC2 lists it (GiB are 1,024 MiB). */
export const INSTANCE_SPECS: Record<InstanceType, { vcpus: number; memoryMiB: number }> = {
  't3.medium': { vcpus: 2, memoryMiB: 4 * 1024 },
  't3.large': { vcpus: 2, memoryMiB: 8 * 1024 },
  't3.xlarge': { vcpus: 4, memoryMiB: 16 * 1024 },
  't3.2xlarge': { vcpus: 8, memoryMiB: 32 * 1024 },
  'm6i.large': { vcpus: 2, memoryMiB: 8 * 1024 },
  'm6i.xlarge': { vcpus: 4, memoryMiB: 16 * 1024 },
  'm6i.2xlarge': { vcpus: 8, memoryMiB: 32 * 1024 },
};

/** The largest `--size`. */
export const LARGEST_SIZE = Object.keys(SIZES).at(-1) as Size;

/** code-server asks for at least 1 GB of memory; less and a language server is killed mid-edit. */
export const MIN_IDE_MEMORY_MIB = 1024;

/** Traefik's own memory limit (boot.sh), part of the reserve. */
export const TRAEFIK_MEMORY_MIB = 256;

/**
 * Memory the IDEs may not have: 768 MiB for the kernel, systemd, sshd, dockerd and
 * containerd (with a shim per container), Traefik's limit, and 1/32 of the host for what
 * grows with it (the kernel's page map alone is 1/64; EC2 also shows a little less than
 * the instance type's nominal memory).
 */
export function reservedMemoryMiB(memoryMiB: number): number {
  return 768 + TRAEFIK_MEMORY_MIB + Math.ceil(memoryMiB / 32);
}

/** The most IDEs the instance type holds: each gets at least `MIN_IDE_MEMORY_MIB` of what the reserve leaves. */
export function mostSeatsOn(instanceType: InstanceType): number {
  const { memoryMiB } = INSTANCE_SPECS[instanceType];
  return Math.max(0, Math.floor((memoryMiB - reservedMemoryMiB(memoryMiB)) / MIN_IDE_MEMORY_MIB));
}
