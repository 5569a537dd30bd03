import { describe, expect, it } from 'vitest';
import type { Roster } from '../../../shared/core/roster';
import { leftOutFinding, leftOutOfStoredRoster } from '../../../shared/setup/roster-left-out';

const member = (slot: number, userId: string, name: string): Roster[number] => ({ slot, userId, name, email: `${name}@example.com` });

describe('people a ROSTER setting names but the stored roster lacks', () => {
  it('are told apart by Slack id, whatever their seat or name', () => {
    const given = [member(1, 'U0000LEAD', 'lead'), member(2, 'U0000AAA1', 'alice'), member(3, 'U0000BBB2', 'bob')];
    const stored = [member(1, 'U0000LEAD', 'lead'), member(7, 'U0000AAA1', 'alice.renamed')];

    expect(leftOutOfStoredRoster(given, stored)).toEqual([member(3, 'U0000BBB2', 'bob')]);
    expect(leftOutOfStoredRoster(stored, stored)).toEqual([]);
  });

  it('are named, a few and how many more, with the Slack command that seats them, and no address', () => {
    const leftOut = Array.from({ length: 8 }, (_unused, index) => member(index + 2, `U0000M00${index + 2}`, `member${index + 2}`));

    const finding = leftOutFinding(leftOut, 9, '/team-ide-demo/roster (SSM)');

    expect(finding).toEqual({
      ok: false,
      check: 'Roster',
      detail: '8 of the 9 people in ROSTER are not on the team\'s roster in /team-ide-demo/roster (SSM) (which `/ide roster` keeps and the functions read), and with ROSTER cut to the leads are on neither: @member2, @member3, @member4, @member5, @member6 and 3 more.',
      fix: 'if they belong on the team, add them in Slack once deployed: `/ide roster add @member2 @member3 @member4 @member5 @member6 …` (type @ and pick each person from the list; one command takes several). If `/ide roster remove` took them off, nothing is to be done.',
    });
    expect(JSON.stringify(finding)).not.toContain('example.com');
  });

  it('are all named when they are few', () => {
    const finding = leftOutFinding([member(3, 'U0000BBB2', 'bob')], 3, '/team-ide-demo/roster (SSM)');

    expect(finding.detail).toContain('1 of the 3 people in ROSTER is not on the team\'s roster');
    expect(finding.detail).toMatch(/is on neither: @bob\.$/);
    expect(finding.fix).toContain('`/ide roster add @bob`');
  });
});
