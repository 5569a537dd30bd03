import { describe, expect, it } from 'vitest';
import { CPU_RESERVE, formatMemory, shareHost, smallestSizeFor } from '../../../shared/team/host-shares';
import { INSTANCE_SPECS, INSTANCE_TYPES, MIN_IDE_MEMORY_MIB, mostSeatsOn, reservedMemoryMiB } from '../../../shared/core/instance-types';

describe('shareHost', () => {
  it('splits what the host keeps free evenly among the IDEs', () => {
    // Act
    const share = shareHost('t3.xlarge', 5);

    // Assess: 16 GiB less 768 MiB, Traefik's 256 MiB and 1/32 of the host, in 5.
    expect(share).toEqual({ memoryMiB: Math.floor((16_384 - 768 - 256 - 512) / 5), cpus: 3.5, pids: 2969 });
  });

  it('never promises more memory than the host has, for any instance type and number of seats', () => {
    for (const instanceType of INSTANCE_TYPES) {
      const { memoryMiB, vcpus } = INSTANCE_SPECS[instanceType];
      for (let seats = 1; seats <= mostSeatsOn(instanceType); seats += 1) {
        // Act
        const share = shareHost(instanceType, seats);

        // Assess
        expect(share, `${instanceType} × ${seats}`).toBeDefined();
        expect(seats * (share?.memoryMiB ?? Infinity) + reservedMemoryMiB(memoryMiB)).toBeLessThanOrEqual(memoryMiB);
        expect(share?.memoryMiB).toBeGreaterThanOrEqual(MIN_IDE_MEMORY_MIB);
        expect(share?.cpus).toBe(vcpus - CPU_RESERVE);
        expect(share?.pids).toBe(share?.memoryMiB);
      }
    }
  });

  it('refuses one seat more than the host holds, and nonsense seat counts', () => {
    for (const instanceType of INSTANCE_TYPES) {
      expect(shareHost(instanceType, mostSeatsOn(instanceType) + 1), instanceType).toBeUndefined();
    }
    expect([0, -1, 1.5, Number.NaN].map((seats) => shareHost('t3.2xlarge', seats))).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('holds 2, 6, 14 and 30 IDEs on the four sizes', () => {
    expect(['t3.medium', 't3.large', 't3.xlarge', 't3.2xlarge'].map((type) => mostSeatsOn(type as 't3.medium'))).toEqual([2, 6, 14, 30]);
  });
});

describe('smallestSizeFor', () => {
  it('finds the smallest size that holds the seats, from a given size up', () => {
    expect([1, 2, 3, 7, 12, 15, 30].map((seats) => smallestSizeFor(seats))).toEqual(['small', 'small', 'medium', 'large', 'large', 'xlarge', 'xlarge']);
    expect(smallestSizeFor(1, 'large')).toBe('large');
  });

  it('finds none past the largest host', () => {
    expect(smallestSizeFor(31)).toBeUndefined();
  });
});

describe('formatMemory', () => {
  it('shows GiB rounded down to a tenth, never promising more', () => {
    expect([1024, 1237, 1535, 3456, 30_720].map(formatMemory)).toEqual(['1.0 GiB', '1.2 GiB', '1.4 GiB', '3.3 GiB', '30.0 GiB']);
  });
});
