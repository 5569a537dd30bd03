import { describe, expect, it, vi } from 'vitest';
import { makeHandler } from '../../functions/slack-command';
import { loadConfig } from '../../shared/core/config';
import { createLogger } from '../../shared/core/logger';
import type { LauncherJob } from '../../shared/runs/launcher-job';
import { signedHeaders, slashCommandBody } from '../../sandbox/slack-request';
import type { Roster } from '../../shared/core/roster';
import { validEnv } from '../fixtures';
import { httpApiEvent } from '../helpers/http-api-event';
import { realisticMembers } from '../helpers/roster-people';

const SIGNING_SECRET = 'fake-signing-secret-0123456789abcdef';

/** slack-command with the team's roster as SSM holds it (`loadRoster`), on signed requests. */
function setup(roster?: Roster) {
  const config = loadConfig(validEnv());
  const dispatched: LauncherJob[] = [];
  const loadRoster = vi.fn(async () => roster ?? config.roster);
  const handler = makeHandler({
    config,
    logger: createLogger('slack-command-roster-test'),
    loadSigningSecret: async () => SIGNING_SECRET,
    dispatch: async (job) => void dispatched.push(job),
    loadRoster,
  });
  const send = async (text: string, as: { userId?: string; channelId?: string } = {}) => {
    const body = slashCommandBody({ command: '/ide', text, userId: as.userId ?? 'U0000LEAD', userName: 'lead', channelId: as.channelId ?? 'C0000TEAM', responseUrl: 'https://hooks.slack.com/commands/T0000TEAM/1/abc' });
    const response = await handler(httpApiEvent(body, signedHeaders(SIGNING_SECRET, body, Math.floor(Date.now() / 1000))), {});
    return { status: response.statusCode, answer: JSON.parse(response.body ?? '{}') as { response_type: string; text: string; blocks: { text: { text: string } }[] } };
  };
  return { send, dispatched, loadRoster };
}

describe('slack-command: /ide roster', () => {
  it('lists the seats to anyone in the team\'s channel, without emails', async () => {
    const { send, dispatched } = setup();

    const { status, answer } = await send('roster', { userId: 'U0000BBB2' });

    expect(status).toBe(200);
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.blocks.map((block) => block.text.text)).toEqual([
      '*The roster: 4 people.* Each keeps their seat run after run.\n• dev-1 <@U0000AAA1>\n• dev-2 <@U0000BBB2>\n• dev-3 <@U0000CCC3> _(no email: cannot be seated)_\n• dev-5 <@U0000EEE5>',
    ]);
    expect(JSON.stringify(answer)).not.toContain('@example.com');
    expect(dispatched).toEqual([]);
  });

  it('lists 200 people within Slack\'s limits (sections of at most 3,000 characters, at most 50 blocks)', async () => {
    const { send } = setup(realisticMembers(200));

    const { answer } = await send('roster');

    expect(answer.blocks.length).toBeLessThanOrEqual(50);
    expect(Math.max(...answer.blocks.map((block) => block.text.text.length))).toBeLessThanOrEqual(3000);
    expect(answer.blocks.map((block) => block.text.text).join('\n').match(/• dev-/g)).toHaveLength(200);
  });

  it('is not answered outside the allowed channels', async () => {
    const { send } = setup();

    expect((await send('roster', { channelId: 'C0000ELSE' })).answer.text).toMatch(/^team-ide is not allowed in this channel/);
  });

  it('hands `add` of a mentioned person to the launcher (users.info is too slow for 3 s) and acknowledges', async () => {
    const { send, dispatched } = setup();

    const { answer } = await send('roster add <@U0000ZED9|zed>');

    expect(answer.text).toBe('Adding @zed to the roster…');
    expect(dispatched).toEqual([{ action: 'roster-add', requester: expect.objectContaining({ userId: 'U0000LEAD' }), people: [{ userId: 'U0000ZED9', label: '@zed' }] }]);
  });

  it('hands `remove` to the launcher, by mention or by the name on the roster', async () => {
    const { send, dispatched } = setup();

    await send('roster remove @bob <@U0000AAA1|alice>');

    expect(dispatched).toEqual([{ action: 'roster-remove', requester: expect.objectContaining({ userId: 'U0000LEAD' }), people: [{ name: 'bob', label: '@bob' }, { userId: 'U0000AAA1', label: '@alice' }] }]);
  });

  it('lets only ALLOWED_USERS change the roster', async () => {
    const { send, dispatched } = setup();

    const { answer } = await send('roster add <@U0000ZED9|zed>', { userId: 'U0000BBB2' });

    expect(answer.text).toBe('You are not allowed to change the roster. Ask whoever deployed team-ide to add your Slack member id to ALLOWED_USERS.');
    expect(dispatched).toEqual([]);
  });

  it('asks for Slack\'s mention when `add` gets a plain @name, which has no user id to look up', async () => {
    const { send, dispatched } = setup();

    expect((await send('roster add @zed')).answer.text).toMatch(/^@zed: I need Slack's mention to look up the email\./);
    expect(dispatched).toEqual([]);
  });

  it('seats `/ide start` from the team\'s roster, not the ROSTER setting', async () => {
    const { send, dispatched, loadRoster } = setup([{ slot: 7, userId: 'U0000NEW7', name: 'newbie', email: 'newbie@example.com' }]);

    const { answer } = await send('start <@U0000NEW7|newbie>');

    expect(loadRoster).toHaveBeenCalled();
    expect(answer.text).toContain('dev-7 <@U0000NEW7>');
    expect(dispatched).toEqual([expect.objectContaining({ action: 'start', request: { seats: { kind: 'people', people: [{ userId: 'U0000NEW7', label: '@newbie' }] } } })]);
  });
});
