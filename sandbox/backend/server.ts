/**
 * The sandbox backend: one local HTTP server standing in for CloudFormation, EC2 (the
 * network setup and the doctor read, the data volumes and their snapshots), Route 53,
 * Secrets Manager, SSM, SQS, Lambda Invoke, SES and STS (reached through
 * AWS_ENDPOINT_URL_<SERVICE>; Lambda Invoke runs the functions in serverless-offline) and
 * Slack (through SLACK_API_URL and the response_url of each command). Requests to AWS are
 * told apart by the service in their SigV4 credential scope, as AWS's own endpoints are by
 * host. SANDBOX_FAULTS makes named operations fail (faults.ts).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StackStatusChangeEvent } from '../../shared/stack/stack-status-event';
import { MAX_SLOT } from '../../shared/core/host-network';
import { defaultSandboxAccount, type SandboxAccount } from './account';
import {
  AwsServiceError,
  ec2Error,
  ec2Response,
  jsonError,
  jsonResponse,
  queryError,
  queryResponse,
  restJsonError,
  restJsonResponse,
  signedService,
  type WireResponse,
} from './aws-protocols';
import { CLOUDFORMATION_NAMESPACE, SandboxCloudFormation } from './cloudformation/service';
import { SandboxEc2 } from './ec2';
import { SandboxHosts, type SeatsRequest } from './hosts';
import { type FaultSwitch, Faults } from './faults';
import { type AsyncSettings, SandboxLambda } from './lambda';
import { type PublishedRecordSet, SandboxRoute53 } from './route53';
import { SandboxEbs } from './ebs';
import { SandboxSecretsManager } from './secrets-manager';
import { getCallerIdentity, SandboxSes, SES_NAMESPACE, STS_NAMESPACE } from './ses';
import { SandboxSlack, type SandboxSlackMessage, type SandboxWorkspace } from './slack';
import { SandboxQueue } from './sqs';
import { SandboxParameterStore } from './ssm';

export interface BackendOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  region: string;
  accountId: string;
  stackDelayMs: number;
  /** Awaited before each stack operation finishes, after its delay: tests hold it to look at a stack in progress. */
  stackGate?: () => Promise<void>;
  /** How long a snapshot stays pending. */
  snapshotMs: number;
  /** The time in ms a snapshot's pending is measured by; tests pass a clock they move. Default: Date.now. */
  snapshotClock?: () => number;
  /** The team stack's name: the tag value that marks this deployment's snapshots. */
  deployment: string;
  failSlot?: number;
  runSeconds?: number;
  /** The bot token chat.postMessage accepts; stored in SSM with the other `parameters`. */
  botToken: string;
  /** SSM parameters that exist before the functions start (the Slack secrets). */
  parameters: Record<string, string>;
  /** Route 53 hosted zones that exist before the functions start. */
  hostedZones?: { id: string; name: string }[];
  /** How long a Route 53 change stays PENDING; default 500 ms. */
  route53InsyncAfterMs?: number;
  /** Where Route 53 record changes go once INSYNC: the DNS Pebble asks (sandbox/pebble.ts); nowhere by default. */
  publishDns?: (sets: PublishedRecordSet[]) => Promise<void>;
  nameOf: (userId: string) => string | undefined;
  /**
   * The network, public zones, SES identities and caller setup and the doctor find, and the
   * subnets (with their zones) the team stack's instance and data volume go in; default:
   * .env.sandbox's, all in order. Its zones are Route 53's besides `hostedZones`.
   */
  account?: SandboxAccount;
  /** The Slack workspace's members, tokens and apps; default: `botToken` with every scope, no members. */
  workspace?: SandboxWorkspace;
  /** Where each stack status change goes: stack-events, through serverless-offline. */
  publish: (event: StackStatusChangeEvent) => Promise<void>;
  log: (source: string, line: string) => void;
  /** SANDBOX_FAULTS: AWS operations answered with an error, so many times. */
  faults?: readonly FaultSwitch[];
  /** SANDBOX_PRIVATE_CHANNELS: private channels the bot was not invited to. */
  privateChannels?: readonly string[];
  /** The hosts' seat reports: how often (default a minute) and what an unmarked seat answers (default idle). */
  hosts?: { reportMs: number; initial: 'idle' | 'alive' };
  /** The name in FAILED_JOBS_QUEUE_URL; the queue answers at `<backend url>/<account>/<name>`. */
  failedJobsQueueName?: string;
  /** Lambda Invoke in front of serverless-offline: its URL, and each function's asynchronous settings. */
  lambda?: { offlineUrl: string; functions: Record<string, AsyncSettings>; retryDelaysMs: readonly number[] };
}

export interface SandboxBackend {
  url: string;
  cloudFormation: SandboxCloudFormation;
  secretsManager: SandboxSecretsManager;
  parameterStore: SandboxParameterStore;
  route53: SandboxRoute53;
  ebs: SandboxEbs;
  slack: SandboxSlack;
  /** What setup and the doctor find in the account; tests change it to make something wrong. */
  account: SandboxAccount;
  failedJobs: SandboxQueue;
  faults: Faults;
  /** The hosts' seat reports (hosts.ts); `POST /sandbox/seats` marks seats alive or idle. */
  hosts: SandboxHosts;
  /** Lambda Invoke, when it was given serverless-offline: the journal of asynchronous invocations (lambda.ts). */
  lambda?: SandboxLambda;
  close(): Promise<void>;
}

/** What `GET /sandbox/activity` answers: the CLI waits until the flow it started has settled. */
export interface BackendActivity {
  /** Milliseconds since the functions last called the backend, or a stack status change went to them. */
  idleMs: number;
  stacksInProgress: number;
  /** Asynchronous invocations still running or waiting for Lambda's retry. */
  invocationsPending: number;
}

/** `GET /slack/messages` */
export interface SlackMessagesAnswer {
  messages: SandboxSlackMessage[];
}

const MAX_BODY_BYTES = 2 * 1024 * 1024;

export async function startBackend(options: BackendOptions): Promise<SandboxBackend> {
  const secretsManager = new SandboxSecretsManager();
  const account = options.account ?? defaultSandboxAccount(options.accountId);
  const parameterStore = new SandboxParameterStore(options.region, account);
  for (const [name, value] of Object.entries(options.parameters)) parameterStore.put(name, value);
  const route53 = new SandboxRoute53({
    insyncAfterMs: options.route53InsyncAfterMs ?? 500,
    ...(options.publishDns ? { publish: options.publishDns } : {}),
    log: (line) => options.log('route53', line),
    account,
  });
  for (const zone of account.hostedZones) route53.addZone(zone.id, zone.name, zone.privateZone);
  for (const zone of options.hostedZones ?? []) {
    if (!account.hostedZones.some((known) => known.id === zone.id)) route53.addZone(zone.id, zone.name);
  }
  const ebs = new SandboxEbs({
    region: options.region,
    account,
    snapshotMs: options.snapshotMs,
    deployment: options.deployment,
    log: (line) => options.log('ec2', line),
    ...(options.snapshotClock ? { now: options.snapshotClock } : {}),
  });
  const ec2 = new SandboxEc2(account, ebs);
  const ses = new SandboxSes(account);
  // The last call from the functions, or status change sent to them: `npm run slack` waits for quiet.
  let lastActivityAt = Date.now();
  const cloudFormation = new SandboxCloudFormation({
    region: options.region,
    accountId: options.accountId,
    delayMs: options.stackDelayMs,
    ...(options.stackGate ? { gate: options.stackGate } : {}),
    secrets: secretsManager,
    ebs,
    parameters: parameterStore,
    publish: (event) => {
      lastActivityAt = Date.now();
      return options.publish(event);
    },
    log: (line) => options.log('cloudformation', line),
    ...(options.failSlot !== undefined ? { failSlot: options.failSlot } : {}),
    ...(options.runSeconds !== undefined ? { runSeconds: options.runSeconds } : {}),
  });
  const slack = new SandboxSlack({
    botToken: options.botToken,
    nameOf: options.nameOf,
    privateChannels: options.privateChannels ?? [],
    log: (line) => options.log('slack', line),
    ...(options.workspace ? { workspace: options.workspace } : {}),
  });
  const faults = new Faults(options.faults ?? [], (line) => options.log('faults', line));
  const hosts = new SandboxHosts({ cloudFormation, parameters: parameterStore, reportMs: options.hosts?.reportMs ?? 60_000, initial: options.hosts?.initial ?? 'idle', log: (line) => options.log('hosts', line) });
  const failedJobs = new SandboxQueue(`/${options.accountId}/${options.failedJobsQueueName ?? 'failed-jobs'}`, (line) => options.log('sqs', line));
  const lambda = options.lambda
    ? new SandboxLambda({
        ...options.lambda,
        failedJobs,
        region: options.region,
        accountId: options.accountId,
        active: () => {
          lastActivityAt = Date.now();
        },
        log: (line) => options.log('lambda', line),
      })
    : undefined;

  const route = async (request: IncomingMessage): Promise<WireResponse> => {
    const url = new URL(request.url ?? '/', 'http://sandbox');
    if (request.method === 'GET' && url.pathname === '/slack/messages') {
      const answer: SlackMessagesAnswer = { messages: slack.list(Number(url.searchParams.get('after') ?? 0)) };
      return json(200, answer);
    }
    if (url.pathname === '/sandbox/seats' && (request.method === 'GET' || request.method === 'POST')) {
      if (request.method === 'GET') return json(200, hosts.describe());
      const seats = parseSeatsRequest(await readBody(request));
      return typeof seats === 'string' ? json(400, { error: seats }) : json(200, hosts.change(seats));
    }
    if (request.method === 'GET' && url.pathname === '/sandbox/activity') {
      const answer: BackendActivity = { idleMs: Date.now() - lastActivityAt, stacksInProgress: cloudFormation.stacksInProgress(), invocationsPending: lambda?.pending() ?? 0 };
      return json(200, answer);
    }
    const service = signedService(request.headers.authorization);
    if (service === 'route53') {
      lastActivityAt = Date.now();
      return route53.handle(request.method ?? 'GET', url.pathname, await readBody(request), url.searchParams);
    }
    // SES v2 reads with GET; everything else is a POST.
    if (service === 'ses' && url.pathname.startsWith('/v2/')) return answerOrError(() => restJsonResponse(ses.handleRest(request.method ?? '', url.pathname)), restJsonError);
    if (request.method !== 'POST') return json(404, { error: `The sandbox backend has no ${request.method} ${url.pathname}` });
    lastActivityAt = Date.now();
    const body = await readBody(request);
    const slackMethod = /^\/api\/([\w.]+)$/.exec(url.pathname)?.[1];
    if (slackMethod) {
      const answer = slack.api(slackMethod, request.headers.authorization, parseSlackBody(request, body));
      return { ...json(answer.status, answer.body), ...(answer.headers ? { headers: answer.headers } : {}) };
    }
    const respondTo = /^\/slack\/respond\/([\w-]+)$/.exec(url.pathname)?.[1];
    if (respondTo) {
      const answer = slack.respond(respondTo, parseSlackBody(request, body));
      return json(answer.status, answer.body);
    }
    const awsQuery = (namespace: string, handle: (action: string, form: URLSearchParams) => Record<string, unknown> | undefined) => {
      const form = new URLSearchParams(body);
      const action = form.get('Action') ?? '';
      return answerOrError(() => {
        const fault = faults.take(action, form.get('StackName') ?? undefined);
        if (fault) throw fault;
        return queryResponse(namespace, action, handle(action, form));
      }, (error) => queryError(namespace, error));
    };
    if (service === 'cloudformation') return awsQuery(CLOUDFORMATION_NAMESPACE, (action, form) => cloudFormation.handle(action, form));
    if (service === 'sts') return awsQuery(STS_NAMESPACE, (action) => getCallerIdentity(account, action));
    if (service === 'ses') return awsQuery(SES_NAMESPACE, (action, form) => ses.handleQuery(action, form));
    if (service === 'ec2') {
      const form = new URLSearchParams(body);
      const action = form.get('Action') ?? '';
      return answerOrError(() => ec2Response(action, ec2.handle(action, form)), ec2Error);
    }
    if (service === 'secretsmanager' || service === 'ssm' || service === 'sqs') {
      const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      const handler = service === 'ssm' ? parameterStore : service === 'sqs' ? failedJobs : secretsManager;
      const input = JSON.parse(body || '{}') as Record<string, unknown>;
      return answerOrError(() => {
        const names = Array.isArray(input.Names) ? (input.Names as unknown[]) : [];
        const fault = faults.take(operation, [input.Name, names[0], input.SecretId, input.QueueUrl].find((target) => typeof target === 'string') as string | undefined);
        if (fault) throw fault;
        return jsonResponse(handler.handle(operation, input));
      }, jsonError);
    }
    if (url.pathname === '/acme/directory') {
      return json(404, { type: 'urn:ietf:params:acme:error:malformed', detail: 'The sandbox runs no ACME server: start it with SANDBOX_ACME=pebble (apt-get install -y pebble)' });
    }
    const invoked = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(url.pathname)?.[1];
    if (service === 'lambda' && invoked && lambda) {
      return lambda.invoke(decodeURIComponent(invoked), String(request.headers['x-amz-invocation-type'] ?? 'RequestResponse'), body);
    }
    return json(404, { error: `The sandbox backend emulates CloudFormation, EC2, Route 53, Secrets Manager, SSM, SQS, Lambda Invoke, SES, STS and Slack; nothing answers POST ${url.pathname} for ${service ?? 'an unsigned request'}` });
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    route(request)
      .catch((error: unknown) => {
        // A bug in the sandbox, not an AWS error: the SDK sees a 500 and the console says what broke.
        options.log('backend', `${request.method} ${request.url} failed: ${(error as Error).stack ?? String(error)}`);
        return json(500, { __type: 'InternalFailure', message: (error as Error).message });
      })
      .then((answer) => {
        response.writeHead(answer.status, { 'content-type': answer.contentType, 'x-amzn-requestid': randomUUID(), ...answer.headers });
        response.end(answer.body);
      });
  });
  await listen(server, options.host, options.port);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    cloudFormation,
    secretsManager,
    parameterStore,
    route53,
    ebs,
    slack,
    account,
    failedJobs,
    faults,
    hosts,
    ...(lambda ? { lambda } : {}),
    close: async () => {
      hosts.close();
      cloudFormation.close();
      route53.close();
      lambda?.close();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/** The answer, or the service's error document for an AWS error; anything else is a sandbox bug. */
function answerOrError(answer: () => WireResponse, toError: (error: AwsServiceError) => WireResponse): WireResponse {
  try {
    return answer();
  } catch (error) {
    if (error instanceof AwsServiceError) return toError(error);
    throw error;
  }
}

function json(status: number, body: unknown): WireResponse {
  return { status, contentType: 'application/json; charset=utf-8', body: JSON.stringify(body) };
}

/** `POST /sandbox/seats`: `{"status":"alive"|"idle"|"unreachable","slots":[1]}` or `{"reporting":false}`; a string says what is wrong. */
function parseSeatsRequest(body: string): SeatsRequest | string {
  const usage = 'send {"status":"alive"|"idle"|"unreachable","slots":[1,2]} (slots optional: every seat) or {"reporting":true|false}';
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return `not JSON: ${usage}`;
  }
  const { status, slots, reporting } = parsed ?? {};
  if (status !== undefined && status !== 'alive' && status !== 'idle' && status !== 'unreachable') return `unknown status ${JSON.stringify(status)}: ${usage}`;
  if (slots !== undefined && (!Array.isArray(slots) || !slots.every((slot) => Number.isInteger(slot) && slot >= 1 && slot <= MAX_SLOT))) return `slots must be seat numbers: ${usage}`;
  if (reporting !== undefined && typeof reporting !== 'boolean') return `reporting must be true or false: ${usage}`;
  if (status === undefined && reporting === undefined) return usage;
  return { ...(status ? { status } : {}), ...(slots ? { slots: slots as number[] } : {}), ...(reporting !== undefined ? { reporting } : {}) } as SeatsRequest;
}

/** Slack's Web API takes JSON or a form; response_urls take JSON. */
function parseSlackBody(request: IncomingMessage, body: string): Record<string, unknown> {
  if (String(request.headers['content-type']).startsWith('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(body));
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) reject(new Error(`request body over ${MAX_BODY_BYTES} bytes`));
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** Resolves once the server listens; rejects when it cannot (the port taken since the check, say). */
function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
