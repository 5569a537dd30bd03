import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../shared/core/config';
import { NotAllowedError, RosterError, UsageError } from '../../../shared/core/errors';
import { authorize, authorizeWorkspace, planStart } from '../../../shared/team/start-plan';
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

  it('gives each IDE its share of the host the plan chose', () => {
    expect(planStart({ seats: { kind: 'all' } }, config).share).toEqual({ memoryMiB: 2304, cpus: 1.5, pids: 2304 });
  });

  describe('with a roster of 12', () => {
    const roster = Array.from({ length: 12 }, (_, index) => `${index + 1}:U0000M${String(index + 1).padStart(3, '0')}:m${index + 1}:m${index + 1}@example.com`).join(',');
    const team = loadConfig(validEnv({ ROSTER: roster, MAX_SEATS: '12' }));

    it('refuses 12 seats on small with the smallest size that fits', () => {
      expect(() => planStart({ seats: { kind: 'count', count: 12 }, size: 'small' }, team)).toThrow(
        new UsageError('12 IDEs do not fit on t3.medium (4.0 GiB): each IDE needs at least 1.0 GiB of memory and the host keeps some for itself, so it holds at most 2. The smallest size for 12 is `large` (t3.xlarge): use `--size large`.'),
      );
    });

    it('refuses an instance type named instead of a size in the same way', () => {
      expect(() => planStart({ seats: { kind: 'count', count: 12 }, size: 'm6i.large' }, team)).toThrow('The smallest size for 12 is `large` (t3.xlarge)');
    });

    it('grows the default size when no size is asked, and says from which', () => {
      const plan = planStart({ seats: { kind: 'count', count: 12 } }, team);

      expect(plan).toMatchObject({ instanceType: 't3.xlarge', upsizedFrom: 'medium', share: { memoryMiB: 1237, cpus: 3.5, pids: 1237 } });
    });

    it('keeps the default size when it holds the seats', () => {
      expect(planStart({ seats: { kind: 'count', count: 6 } }, team)).not.toHaveProperty('upsizedFrom');
    });
  });

  it('says no size holds more seats than the largest host', () => {
    const roster = Array.from({ length: 31 }, (_, index) => `${index + 1}:U0000M${String(index + 1).padStart(3, '0')}:m${index + 1}:m${index + 1}@example.com`).join(',');
    const team = { ...loadConfig(validEnv({ ROSTER: roster })), maxSeats: 31 };

    expect(() => planStart({ seats: { kind: 'all' } }, team)).toThrow('No size holds 31 IDEs: each IDE needs at least 1.0 GiB of memory and the host keeps some for itself, so the largest, `xlarge` (t3.2xlarge), holds 30. Start fewer IDEs.');
  });
});

describe('authorize', () => {
  const lead = { teamId: 'T0000TEAM', userId: 'U0000LEAD', channelId: 'C0000TEAM' };

  it('lets an allowed user in an allowed channel of this workspace through', () => {
    expect(() => authorize(config, lead)).not.toThrow();
  });

  it('refuses others, and lets anyone in this workspace through with *', () => {
    expect(() => authorize(config, { ...lead, userId: 'U0000EVIL' })).toThrow(NotAllowedError);
    expect(() => authorize(config, { ...lead, channelId: 'C0000RAND' })).toThrow(NotAllowedError);
    expect(() => authorize({ slackTeamId: 'T0000TEAM', allowedUsers: '*', allowedChannels: '*' }, { ...lead, userId: 'U0000EVIL', channelId: 'C0000RAND' })).not.toThrow();
  });

  it('refuses another workspace, even with * for users and channels', () => {
    const open = { slackTeamId: 'T0000TEAM', allowedUsers: '*', allowedChannels: '*' } as const;

    expect(() => authorize(open, { ...lead, teamId: 'T0000ELSE' })).toThrow(new NotAllowedError('This team-ide belongs to another Slack workspace and does not act on requests from this one.'));
    expect(() => authorizeWorkspace(open, undefined)).toThrow(NotAllowedError);
  });
});
