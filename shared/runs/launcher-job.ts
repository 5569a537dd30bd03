import type { LambdaClient } from '@aws-sdk/client-lambda';
import * as z from 'zod';
import { invokeAsync } from '../core/invoke-async';
import type { PersonRef } from '../slack/command-parser';
import type { StartRequest } from '../team/start-plan';

/** Who asked, and where to answer them. Ids only: nothing here is secret. */
export interface SlackRequester {
  /** The Slack workspace the command came from. */
  teamId: string;
  userId: string;
  userName: string;
  channelId: string;
  responseUrl: string;
}

/**
 * What slack-command hands to the launcher once the command is read and acknowledged. A
 * start carries the request as typed, not the plan: the launcher checks who asks and plans
 * the run again from its own settings, so a job invoked by anything else creates nothing
 * the settings would not allow.
 */
export type LauncherJob =
  | { action: 'start'; requester: SlackRequester; request: StartRequest }
  /** `discard`: `/ide stop --discard`, which asks for a confirmation before anything happens. */
  | { action: 'stop'; requester: SlackRequester; discard?: boolean }
  | { action: 'status'; requester: SlackRequester }
  /** users.info and the roster's claim take longer than Slack's 3 seconds allow slack-command. */
  | { action: 'roster-add'; requester: SlackRequester; people: { userId: string; label: string }[] }
  | { action: 'roster-remove'; requester: SlackRequester; people: PersonRef[] };

/** Hands the job to the launcher without waiting: Slack's 3 seconds cover only this hand-off. */
export function dispatchLauncherJob(lambda: LambdaClient, functionName: string, job: LauncherJob): Promise<void> {
  return invokeAsync(lambda, functionName, job);
}

// Bounds only keep a hostile payload small; what the values may be is planStart's decision.
const text = z.string().min(1).max(2000);
const requester = z.object({ teamId: text, userId: text, userName: z.string().max(200), channelId: text, responseUrl: text });
const person = z.union([z.object({ userId: text, label: text }), z.object({ name: text, label: text })]);
const seats = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('all') }),
  z.object({ kind: z.literal('count'), count: z.number().int() }),
  z.object({ kind: z.literal('people'), people: z.array(person).max(200) }),
]);
const request = z.object({ seats, size: text.optional(), hours: z.number().int().optional(), fresh: z.boolean().optional() });
const job = z.discriminatedUnion('action', [
  z.object({ action: z.literal('start'), requester, request }),
  z.object({ action: z.literal('stop'), requester, discard: z.boolean().optional() }),
  z.object({ action: z.literal('status'), requester }),
  z.object({ action: z.literal('roster-add'), requester, people: z.array(z.object({ userId: text, label: text })).min(1).max(200) }),
  z.object({ action: z.literal('roster-remove'), requester, people: z.array(person).min(1).max(200) }),
]);

/** The launcher's event as a job, or the first problem with its shape: the event may come from anywhere that can invoke the function. */
export function readLauncherJob(event: unknown): { job: LauncherJob } | { problem: string } {
  const parsed = job.safeParse(event);
  if (parsed.success) return { job: parsed.data as LauncherJob };
  const issue = parsed.error.issues[0];
  return { problem: `${issue?.path.join('.') || 'event'}: ${issue?.message ?? 'not a launcher job'}` };
}
