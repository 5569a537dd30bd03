import { describe, expect, it } from 'vitest';
import { RosterError } from '../../../shared/core/errors';
import { ADVANCED_VALUE_LIMIT, decodeRoster, encodeRoster, RosterDocumentError, STANDARD_VALUE_LIMIT } from '../../../shared/team/roster-document';
import { realisticMembers } from '../../helpers/roster-people';

describe('the roster document', () => {
  it('stores a small team as plain JSON, readable in the console, and reads it back', () => {
    const roster = realisticMembers(5);

    const stored = encodeRoster(roster);

    expect(JSON.parse(stored)).toEqual({ version: 1, members: roster.map(({ slot, ...rest }) => ({ seat: slot, ...rest })) });
    expect(decodeRoster(stored)).toEqual(roster);
  });

  it('fits 200 people with realistic ids and addresses in one advanced parameter, compressed', () => {
    const roster = realisticMembers(200);

    const stored = encodeRoster(roster);

    // Measured: 4,664 characters compressed; the plain JSON (20,391) would fit no parameter. All 254 seats fit.
    expect(JSON.stringify(roster).length).toBeGreaterThan(ADVANCED_VALUE_LIMIT);
    expect(stored.length).toBeGreaterThan(STANDARD_VALUE_LIMIT);
    expect(stored.length).toBeLessThanOrEqual(ADVANCED_VALUE_LIMIT);
    expect(decodeRoster(stored)).toEqual(roster);
  });

  it('refuses a roster too large for a parameter, saying what to do', () => {
    expect(() => encodeRoster(realisticMembers(400))).toThrow(RosterError);
    expect(() => encodeRoster(realisticMembers(400))).toThrow(/The roster is full: its 400 people take more than the 8 KB/);
  });

  it.each([
    ['a seat given twice', JSON.stringify({ version: 1, members: [{ seat: 1, userId: 'U0000AAA1', name: 'alice', email: '' }, { seat: 1, userId: 'U0000BBB2', name: 'bob', email: '' }] }), 'seat 1 is listed twice'],
    ['an address that is none', JSON.stringify({ version: 1, members: [{ seat: 1, userId: 'U0000AAA1', name: 'alice', email: 'alice at example' }] }), 'members.0.email'],
    ['a seat past dev-254', JSON.stringify({ version: 1, members: [{ seat: 255, userId: 'U0000AAA1', name: 'alice', email: '' }] }), 'members.0.seat'],
    ['another version', JSON.stringify({ version: 2, members: [] }), 'version'],
    ['no JSON at all', 'seat 1 alice', 'neither JSON nor compressed JSON'],
  ])('refuses a hand-edited document with %s, naming the fault', (_what, stored, fault) => {
    expect(() => decodeRoster(stored)).toThrow(RosterDocumentError);
    expect(() => decodeRoster(stored)).toThrow(fault);
  });
});
