import type { Stack } from '@aws-sdk/client-cloudformation';
import {
  DeleteParameterCommand,
  DeleteParametersCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  type Parameter,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../shared/core/logger';
import { type PostedMessage, SlackApiError, type SlackMessage, type SlackPoster } from '../../shared/slack/slack-api';
import { checkSlackMessage } from './slack-limits';

/** The stack every CloudFormation test event is about (STACK_NAME_PREFIX team-ide-test). */
export const STACK_ID = 'arn:aws:cloudformation:eu-west-1:123456789012:stack/team-ide-test-ides/0a1b2c3d-aaaa-4bbb-8ccc-123456789012';
export const STACK_UUID = '0a1b2c3d-aaaa-4bbb-8ccc-123456789012';

/** An EventBridge event from test/events/cloudformation, as Lambda receives it. */
export function cloudFormationEvent(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(__dirname, '..', 'events', 'cloudformation', `${name}.json`), 'utf8')) as Record<string, unknown>;
}

/** The run's stack as DescribeStacks returns it, with the launcher's tags and the template's outputs for slots 1, 2 and 5. */
export function runStack(status: string, extra: Partial<Stack> = {}): Stack {
  return {
    StackName: 'team-ide-test-ides',
    StackId: STACK_ID,
    StackStatus: status as Stack['StackStatus'],
    CreationTime: new Date('2026-11-28T09:00:00Z'),
    Tags: [
      { Key: 'team-ide:run-id', Value: '6f1c2d3e-0000-4000-8000-000000000001' },
      { Key: 'team-ide:requested-by', Value: 'U0000LEAD' },
      { Key: 'team-ide:requested-by-name', Value: 'lead' },
      { Key: 'team-ide:channel', Value: 'C0000TEAM' },
      { Key: 'team-ide:slots', Value: '1 2 5' },
      { Key: 'team-ide:hours', Value: '8' },
      { Key: 'team-ide:ends-at', Value: '2026-11-28T17:00:00.000Z' },
    ],
    Outputs: [1, 2, 5].flatMap((slot) => [
      { OutputKey: `DevUrl${slot}`, OutputValue: `https://dev-${slot}.code.example.com` },
      { OutputKey: `DevPasswordSecret${slot}`, OutputValue: passwordSecretArn(slot) },
    ]),
    ...extra,
  };
}

export function passwordSecretArn(slot: number): string {
  return `arn:aws:secretsmanager:eu-west-1:123456789012:secret:team-ide-test-ides/${STACK_UUID}/dev-${slot}-AbCdEf`;
}

export interface Post {
  channel: string;
  message: SlackMessage;
  /** The post's timestamp, as chat.postMessage answers it. */
  ts: string;
}

export interface Update {
  posted: PostedMessage;
  message: SlackMessage;
}

/**
 * A SlackPoster that keeps what it posted and edited, checked against Slack's limits.
 * `failWith` makes every post throw; a post to one of `privateChannels` fails as Slack answers
 * for a private channel the bot was not invited to. A direct message (to a user id) lands in
 * a `D…` channel, as in Slack, and chat.update refuses a user id or a message it never posted.
 */
export function recordingPoster(options: { failWith?: Error; privateChannels?: string[] } = {}): SlackPoster & { posts: Post[]; updates: Update[]; text: () => string } {
  const posts: Post[] = [];
  const updates: Update[] = [];
  return {
    posts,
    updates,
    text: () => JSON.stringify({ posts, updates }),
    async postMessage(channel, message) {
      checkSlackMessage(message, `chat.postMessage to ${channel}`);
      if (options.failWith) throw options.failWith;
      if (options.privateChannels?.includes(channel)) throw new SlackApiError('chat.postMessage', 'channel_not_found');
      const ts = `1764320000.${String(posts.length + 1).padStart(6, '0')}`;
      posts.push({ channel, message, ts });
      return { channel: /^[UW]/.test(channel) ? `D${channel.slice(1)}` : channel, ts };
    },
    async updateMessage(posted, message) {
      checkSlackMessage(message, `chat.update of ${posted.channel} ${posted.ts}`);
      if (options.failWith) throw options.failWith;
      if (/^[UW]/.test(posted.channel)) throw new SlackApiError('chat.update', 'channel_not_found');
      const original = posts.find((post) => post.ts === posted.ts && (post.channel === posted.channel || `D${post.channel.slice(1)}` === posted.channel));
      if (!original) throw new SlackApiError('chat.update', 'message_not_found');
      updates.push({ posted, message });
    },
  };
}

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown>;
}

/** A logger that keeps its entries; `text()` serialises them, errors included, to search for secrets. */
export function recordingLogger(): Logger & { entries: LogEntry[]; text: () => string } {
  const entries: LogEntry[] = [];
  const record = (level: LogEntry['level']) => (message: string, fields: Record<string, unknown> = {}) => {
    entries.push({ level, message, fields });
  };
  const logger = {
    entries,
    text: () => JSON.stringify(entries, (_key, value: unknown) => (value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value)),
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };
  return logger as unknown as Logger & { entries: LogEntry[]; text: () => string };
}

/**
 * Makes an SSM mock behave like Parameter Store for the run markers: PutParameter without
 * Overwrite refuses an existing name, GetParameter and DeleteParameter answer ParameterNotFound
 * for a missing one, DeleteParameters removes, GetParametersByPath pages by 10. Returns the
 * stored names and values.
 */
export function fakeParameterStore(ssm: AwsClientStub<SSMClient>, initial: Record<string, string> = {}): Map<string, string> {
  const store = new Map<string, string>(Object.entries(initial));
  ssm.on(PutParameterCommand).callsFake((input: { Name: string; Value: string; Overwrite?: boolean }) => {
    if (store.has(input.Name) && !input.Overwrite) {
      throw new ParameterAlreadyExists({ message: 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.', $metadata: {} });
    }
    store.set(input.Name, input.Value);
    return { Version: 1, Tier: 'Standard' };
  });
  const notFound = () => new ParameterNotFound({ message: 'Parameter not found.', $metadata: {} });
  ssm.on(GetParameterCommand).callsFake((input: { Name: string }) => {
    const value = store.get(input.Name);
    if (value === undefined) throw notFound();
    return { Parameter: { Name: input.Name, Value: value, Type: 'String', Version: 1 } };
  });
  ssm.on(DeleteParameterCommand).callsFake((input: { Name: string }) => {
    if (!store.delete(input.Name)) throw notFound();
    return {};
  });
  ssm.on(DeleteParametersCommand).callsFake((input: { Names: string[] }) => {
    if (input.Names.length > 10) throw new Error('DeleteParameters takes at most 10 names');
    const deleted = input.Names.filter((name) => store.delete(name));
    return { DeletedParameters: deleted, InvalidParameters: input.Names.filter((name) => !deleted.includes(name)) };
  });
  ssm.on(GetParametersByPathCommand).callsFake((input: { Path: string; Recursive?: boolean; NextToken?: string }) => {
    const matching: Parameter[] = [...store.entries()]
      .filter(([name]) => name.startsWith(`${input.Path}/`) && (input.Recursive || !name.slice(input.Path.length + 1).includes('/')))
      .map(([Name, Value]) => ({ Name, Value, Type: 'String' }));
    const start = Number(input.NextToken ?? 0);
    const next = start + 10;
    return { Parameters: matching.slice(start, next), ...(next < matching.length ? { NextToken: String(next) } : {}) };
  });
  return store;
}

/** A record Lambda wrote to the failed-jobs queue, from test/events/lambda, with parts replaced. */
export function failedJobRecord(name: string, change: (record: Record<string, any>) => void = () => undefined): string {
  const record = JSON.parse(readFileSync(join(__dirname, '..', 'events', 'lambda', `${name}.json`), 'utf8')) as Record<string, any>;
  change(record);
  return JSON.stringify(record);
}
