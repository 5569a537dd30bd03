import type { RosterMember } from '../../shared/core/roster';

const FIRST = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'niaj', 'olivia', 'peggy', 'rupert', 'sybil', 'trent', 'victor', 'walter', 'yolanda', 'liam', 'noah', 'emma', 'mia', 'lucas'];
const LAST = ['smith', 'johnson', 'williams', 'brown', 'jones', 'garcia', 'miller', 'davis', 'rodriguez', 'martinez', 'hernandez', 'lopez', 'gonzalez', 'wilson', 'anderson', 'thomas'];
const ID_CHARACTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/**
 * `count` people as a real workspace has them: 11-character member ids (random-looking, as
 * Slack's are, so they compress as badly), firstname.lastname handles and addresses at a
 * company domain. Seeded, so the sizes measured in tests repeat.
 */
export function realisticMembers(count: number, firstSlot = 1): RosterMember[] {
  let seed = 20_261_128;
  const next = (below: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed % below;
  };
  const used = new Set<string>();
  return Array.from({ length: count }, (_unused, index) => {
    let name: string;
    do name = `${FIRST[next(FIRST.length)]}.${LAST[next(LAST.length)]}${next(3) === 0 ? next(99) : ''}`;
    while (used.has(name));
    used.add(name);
    const userId = `U0${Array.from({ length: 9 }, () => ID_CHARACTERS[next(ID_CHARACTERS.length)]).join('')}`;
    return { slot: firstSlot + index, userId, name, email: `${name}@example-company.com` };
  });
}
