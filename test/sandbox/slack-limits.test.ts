import { describe, expect, it } from 'vitest';
import { blockKitProblems } from '../../sandbox/backend/slack-limits';

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

describe('blockKitProblems', () => {
  it('takes a message within every limit', () => {
    const message = {
      text: 'fallback',
      blocks: [
        section('x'.repeat(3000)),
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'small print' }] },
        { type: 'actions', block_id: 'b', elements: [{ type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'y'.repeat(75) }, value: 'v'.repeat(2000) }] },
      ],
    };

    expect(blockKitProblems(message)).toEqual([]);
  });

  it('refuses what Slack refuses: a long section, too many blocks, too much text, a long button', () => {
    const longSection = { text: 't', blocks: [section('x'.repeat(3001))] };
    const manyBlocks = { text: 't', blocks: Array.from({ length: 51 }, () => section('x')) };
    const muchText = { text: 't', blocks: Array.from({ length: 14 }, () => section('x'.repeat(2900))) };
    const longButton = {
      text: 't',
      blocks: [{ type: 'actions', elements: [{ type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'y'.repeat(76) }, confirm: { title: { type: 'plain_text', text: 'z'.repeat(101) } } }] }],
    };

    expect(blockKitProblems(longSection)).toEqual(['blocks[0].text: 3001 characters, Slack takes at most 3000']);
    expect(blockKitProblems(manyBlocks)).toEqual(['blocks: 51 blocks, Slack takes at most 50']);
    expect(blockKitProblems(muchText)).toEqual(['message: 40601 characters of text, Slack takes at most 40000']);
    expect(blockKitProblems(longButton)).toEqual([
      'blocks[0].elements[0].text: 76 characters, Slack takes at most 75',
      'blocks[0].elements[0].confirm.title: 101 characters, Slack takes at most 100',
    ]);
  });

  it('refuses an empty message and an empty section, and names block types it does not know', () => {
    expect(blockKitProblems({ text: '' })).toEqual(['message: neither text nor blocks']);
    expect(blockKitProblems({ delete_original: true })).toEqual([]);
    expect(blockKitProblems({ text: 't', blocks: [section('')] })).toEqual(['blocks[0].text: empty, Slack takes at least 1 character']);
    expect(blockKitProblems({ text: 't', blocks: [{ type: 'image' }] })).toEqual(['blocks[0]: block type image is not checked here: add its limits']);
  });
});
