import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RosterError } from '../../../shared/core/errors';
import { parseRoster } from '../../../shared/core/roster';
import { addMembers, removeMembers } from '../../../shared/team/roster-changes';
import { cachedRosterReader, CLAIM_LEASE_MS, changeRoster, readRoster, type RosterStoreDeps } from '../../../shared/team/roster-store';
import { type SetupBackend, startSetupBackend } from '../../helpers/setup-backend';
import { realisticMembers } from '../../helpers/roster-people';

const PREFIX = 'team-ide-test';
const initialRoster = parseRoster('1:U0000AAA1:alice:alice@example.com,2:U0000BBB2:bob:bob@example.com').roster;
const person = (id: string, name: string) => ({ userId: id, name, email: `${name}@example.com` });

/** The roster in the sandbox's Parameter Store, through the real SSM client: PutParameter refuses and versions as SSM does. */
describe('the roster in SSM', () => {
  let setup: SetupBackend;
  let deps: RosterStoreDeps;

  beforeEach(async () => {
    setup = await startSetupBackend();
    deps = { ssm: setup.clients.ssm, stackNamePrefix: PREFIX, initialRoster, now: () => new Date(), sleep: async () => undefined };
  });

  afterEach(async () => {
    await setup.close();
  });

  const stored = () => setup.backend.parameterStore.handle('GetParameter', { Name: `/${PREFIX}/roster` }) as { Parameter: { Value: string; Version: number } };
  const add = (...people: ReturnType<typeof person>[]) => changeRoster(deps, (roster) => addMembers(roster, people));

  it('is the ROSTER setting until the first change, which stores the document', async () => {
    expect(await readRoster(deps)).toEqual({ roster: initialRoster, version: 0 });

    const { added } = await add(person('U0000CCC3', 'carol'));

    expect(added).toEqual([{ slot: 3, ...person('U0000CCC3', 'carol') }]);
    expect(JSON.parse(stored().Parameter.Value).members.map((member: { seat: number }) => member.seat)).toEqual([1, 2, 3]);
    expect((await readRoster(deps)).version).toBe(1);
  });

  it('gives the lowest free seat, for good: a freed seat is reused, nobody moves', async () => {
    await add(person('U0000CCC3', 'carol'));
    await changeRoster(deps, (roster) => removeMembers(roster, [{ userId: 'U0000BBB2', label: '@bob' }], []));

    const { added } = await add(person('U0000DDD4', 'dave'), person('U0000EEE5', 'erin'));

    expect(added.map((member) => `${member.name}:${member.slot}`)).toEqual(['dave:2', 'erin:4']);
    expect((await readRoster(deps)).roster.map((member) => `${member.name}:${member.slot}`)).toEqual(['alice:1', 'dave:2', 'carol:3', 'erin:4']);
  });

  it('gives two people added at the same moment two distinct seats, and loses neither', async () => {
    await add(person('U0000CCC3', 'carol'));

    const [first, second] = await Promise.all([add(person('U0000DDD4', 'dave')), add(person('U0000EEE5', 'erin'))]);

    const seats = [first.added[0]?.slot, second.added[0]?.slot];
    expect(new Set(seats).size).toBe(2);
    expect(seats.sort()).toEqual([4, 5]);
    expect((await readRoster(deps)).roster.map((member) => member.name)).toEqual(['alice', 'bob', 'carol', expect.any(String), expect.any(String)]);
  });

  it('keeps every one of eight concurrent adds, also when the roster does not exist yet', async () => {
    const people = Array.from({ length: 8 }, (_unused, index) => person(`U0000NEW${index}`, `new${index}`));

    const results = await Promise.all(people.map((one) => add(one)));

    const seats = results.map((result) => result.added[0]?.slot);
    expect(new Set(seats).size).toBe(8);
    expect((await readRoster(deps)).roster).toHaveLength(10);
    // Every claim was given back.
    expect(setup.backend.parameterStore.names().filter((name) => name.includes('roster-claims'))).toEqual([]);
  });

  it('waits for a change under way (a live claim), then builds on its result', async () => {
    await add(person('U0000CCC3', 'carol'));
    const claim = `/${PREFIX}/roster-claims/1-0`;
    setup.backend.parameterStore.put(claim, new Date().toISOString(), 'String');
    let waits = 0;
    deps.sleep = async () => {
      waits += 1;
      // The other change finishes: it writes its roster and gives its claim back.
      await setup.clients.ssm.send(new PutParameterCommand({ Name: `/${PREFIX}/roster`, Value: JSON.stringify({ version: 1, members: [...initialRoster, { slot: 3, ...person('U0000CCC3', 'carol') }, { slot: 4, ...person('U0000FFF6', 'frank') }].map(({ slot, ...rest }) => ({ seat: slot, ...rest })) }), Type: 'String', Overwrite: true }));
      setup.backend.parameterStore.handle('DeleteParameter', { Name: claim });
    };

    const { added } = await add(person('U0000DDD4', 'dave'));

    expect(waits).toBe(1);
    expect(added[0]?.slot).toBe(5);
    expect((await readRoster(deps)).roster.map((member) => member.name)).toEqual(['alice', 'bob', 'carol', 'frank', 'dave']);
  });

  it('steps over the claim of an invocation that died before writing, and removes it', async () => {
    await add(person('U0000CCC3', 'carol'));
    const dead = `/${PREFIX}/roster-claims/1-0`;
    setup.backend.parameterStore.put(dead, new Date(Date.now() - CLAIM_LEASE_MS - 1000).toISOString(), 'String');

    const { added } = await add(person('U0000DDD4', 'dave'));

    expect(added[0]?.slot).toBe(4);
    expect(setup.backend.parameterStore.names().filter((name) => name.includes('roster-claims'))).toEqual([]);
  });

  it('gives up, saying so, when the roster stays busy', async () => {
    await add(person('U0000CCC3', 'carol'));
    setup.backend.parameterStore.put(`/${PREFIX}/roster-claims/1-0`, new Date().toISOString(), 'String');

    await expect(add(person('U0000DDD4', 'dave'))).rejects.toThrow(new RosterError('The roster is being changed by someone else right now. Try again in a minute.'));
  });

  it('holds 200 people with realistic ids and addresses in one parameter (advanced tier, as SSM enforces)', async () => {
    deps.initialRoster = realisticMembers(199);
    await add(person('U0000X0001', 'first.change'));

    const { roster } = await readRoster(deps);

    expect(roster).toHaveLength(200);
    expect(roster.at(-1)).toMatchObject({ slot: 200, name: 'first.change' });
    const { Parameter } = await setup.clients.ssm.send(new GetParameterCommand({ Name: `/${PREFIX}/roster` }));
    expect(Parameter?.Value?.length).toBeLessThanOrEqual(8192);
    const [described] = (setup.backend.parameterStore.handle('DescribeParameters', { ParameterFilters: [{ Key: 'Name', Values: [`/${PREFIX}/roster`] }] }) as { Parameters: { Tier: string }[] }).Parameters;
    expect(described?.Tier).toBe('Advanced');
  });

  it('answers a document edited by hand into no roster with a RosterError naming the parameter and what to do', async () => {
    // Prepare
    setup.backend.parameterStore.put(`/${PREFIX}/roster`, '{"version":1,"members":[{"seat":1}]}', 'String');

    // Act
    const failure = await readRoster(deps).catch((error: unknown) => error);

    // Assess: a message Slack may show as it is, rather than an apology with an error id
    expect(failure).toBeInstanceOf(RosterError);
    expect((failure as RosterError).userMessage).toMatch(/^The team's roster \(\/team-ide-test\/roster\) cannot be read: the roster parameter is not a roster: members\.0\.userId /);
    expect((failure as RosterError).userMessage).toContain('restore an earlier version of it in Parameter Store, or delete it to start again from ROSTER');
  });

  it('is read once per cache period by each function', async () => {
    let now = 0;
    const read = cachedRosterReader({ ...deps, now: () => new Date(now) }, 15_000);
    await read();
    await add(person('U0000CCC3', 'carol'));

    now = 14_999;
    const cached = await read();
    now = 15_000;
    const fresh = await read();

    expect(cached).toHaveLength(2);
    expect(fresh).toHaveLength(3);
  });
});
