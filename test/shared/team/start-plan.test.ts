import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../shared/core/config';
import { NotAllowedError, RosterError, UsageError } from '../../../shared/core/errors';
import { authorize, planStart } from '../../../shared/team/start-plan';
import { validEnv } from '../../fixtures';

const config = loadConfig(validEnv({ ROSTER: '1:U0000AAA1:alice:a@example.com,2:U0000BBB2:bob:b@example.com,4:U0000DDD4:dan:d@example.com' }));

describe('planStart', () => {
  it('seats the whole roster with the default size and lifetime', () => {
    const plan = planStart({ seats: { kind: 'all' } }, config);

    expect(plan.seats.map((member) => member.slot)).toEqual([1, 2, 4]);
    expect(plan.instanceType).toBe('t3.large');
    expect(plan.hours).toBe(8);
  });

  it('seats the first N people on the roster, in slot order', () => {
    expect(planStart({ seats: { kind: 'count', count: 2 } }, config).seats.map((member) => member.name)).toEqual(['alice', 'bob']);
  });

  it('seats named people once each, in their own slots', () => {
    const plan = planStart({ seats: { kind: 'people', people: [{ name: 'dan', label: '@dan' }, { userId: 'U0000AAA1', label: '@alice' }, { name: 'alice', label: '@alice' }] } }, config);

    expect(plan.seats.map((member) => member.slot)).toEqual([1, 4]);
  });

  it('accepts an instance type from the allowlist in place of a size', () => {
    expect(planStart({ seats: { kind: 'all' }, size: 'm6i.xlarge' }, config).instanceType).toBe('m6i.xlarge');
  });

  it('refuses more seats than the roster has', () => {
    expect(() => planStart({ seats: { kind: 'count', count: 4 } }, config)).toThrow(new RosterError('The roster has 3 people; you asked for 4 IDEs.'));
  });

  it('refuses the whole roster when it is larger than one run holds', () => {
    const small = { ...config, maxSeats: 2 };

    expect(() => planStart({ seats: { kind: 'all' } }, small)).toThrow('Use `/ide start 2` or name the people');
  });

  it('refuses an instance type outside the allowlist', () => {
    expect(() => planStart({ seats: { kind: 'all' }, size: 'p5.48xlarge' }, config)).toThrow(UsageError);
  });
});

describe('authorize', () => {
  it('lets an allowed user in an allowed channel through', () => {
    expect(() => authorize(config, 'U0000LEAD', 'C0000TEAM')).not.toThrow();
  });

  it('refuses others, and lets anyone through with *', () => {
    expect(() => authorize(config, 'U0000EVIL', 'C0000TEAM')).toThrow(NotAllowedError);
    expect(() => authorize(config, 'U0000LEAD', 'C0000RAND')).toThrow(NotAllowedError);
    expect(() => authorize({ allowedUsers: '*', allowedChannels: '*' }, 'U0000EVIL', 'C0000RAND')).not.toThrow();
  });
});
