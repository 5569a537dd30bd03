import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MINUTES_TO_READY } from '../shared/slack/slack-messages';

const readme = readFileSync(path.resolve(__dirname, '..', 'README.md'), 'utf8');

/** Every "about N minutes" the README says of the time from `/ide start` to the emails. */
const promised = [
  /`\/ide start 5` in Slack; about (\d+) minutes later/,
  /"@lead is starting 5 IDEs \(t3\.large\), ready in about (\d+) minutes"/,
  /about (\d+) minutes from `\/ide start` to the emails/,
];

describe('README, the time from `/ide start` to the emails', () => {
  it('says the same number of minutes as the channel is told, in the opening, "Using it in Slack" and the boot\'s budget', () => {
    const minutes = promised.map((sentence) => sentence.exec(readme)?.[1]);

    expect(minutes).toEqual(promised.map(() => String(MINUTES_TO_READY)));
  });
});
