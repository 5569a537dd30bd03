import {
  type CloudFormationClient,
  CloudFormationServiceException,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStackResourceCommand,
  DescribeStacksCommand,
  paginateDescribeStackEvents,
  type Parameter,
  type Stack,
  type StackEvent,
  type StackStatus,
  type Tag,
} from '@aws-sdk/client-cloudformation';
import { StackRequestError, StackStateError } from '../core/errors';
import { type RunTags, stackTagsToRunTags } from './team-stack';

/** The team stack as the functions see it. */
export interface TeamStack {
  stackId: string;
  status: StackStatus | string;
  statusReason?: string;
  createdAt: Date;
  /** Undefined when the stack with our name was not made by the launcher. */
  run?: RunTags;
  outputs: Record<string, string>;
  parameters: Record<string, string>;
}

/** Reads the stack; undefined when there is none (CloudFormation answers ValidationError "does not exist"). */
export async function describeTeamStack(cloudFormation: CloudFormationClient, stackName: string): Promise<TeamStack | undefined> {
  const stack = await describeStack(cloudFormation, stackName);
  return stack && stack.StackStatus !== 'DELETE_COMPLETE' ? toTeamStack(stack, stackName) : undefined;
}

/**
 * Reads one run's stack by its unique id, also once it is deleted (CloudFormation keeps
 * deleted stacks, tags included, for 90 days when asked by id), so the DELETE_COMPLETE
 * event can still find the channel to tell.
 */
export async function describeRunStack(cloudFormation: CloudFormationClient, stackId: string): Promise<TeamStack | undefined> {
  const stack = await describeStack(cloudFormation, stackId);
  return stack ? toTeamStack(stack, stackId) : undefined;
}

async function describeStack(cloudFormation: CloudFormationClient, stackNameOrId: string): Promise<Stack | undefined> {
  try {
    const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackNameOrId }));
    return Stacks?.[0];
  } catch (error) {
    if (error instanceof CloudFormationServiceException && error.name === 'ValidationError' && /does not exist/.test(error.message)) {
      return undefined;
    }
    throw toStackRequestError(error, 'read the team stack');
  }
}

function toTeamStack(stack: Stack, stackNameOrId: string): TeamStack {
  const run = stackTagsToRunTags(stack.Tags);
  return {
    stackId: stack.StackId ?? stackNameOrId,
    status: stack.StackStatus ?? 'UNKNOWN',
    ...(stack.StackStatusReason ? { statusReason: stack.StackStatusReason } : {}),
    createdAt: stack.CreationTime ?? new Date(0),
    ...(run ? { run } : {}),
    outputs: Object.fromEntries((stack.Outputs ?? []).map((output) => [output.OutputKey ?? '', output.OutputValue ?? ''])),
    parameters: Object.fromEntries((stack.Parameters ?? []).map((parameter) => [parameter.ParameterKey ?? '', parameter.ParameterValue ?? ''])),
  };
}

/** A resource whose create, update or delete failed, with CloudFormation's reason. */
export interface FailedResource {
  logicalId: string;
  resourceType: string;
  /** The resource's own id (an instance id, a record name…); undefined when it was never created. */
  physicalId?: string;
  status: string;
  reason: string;
}

/**
 * The first resource that failed in the stack's latest operation (its create, or its
 * latest delete): the cause, where the failures after it are consequences. Resources
 * CloudFormation merely cancelled because another one failed are skipped. Undefined when
 * no resource failed (a template or transform error fails the stack itself).
 */
export async function findFirstFailedResource(cloudFormation: CloudFormationClient, stackId: string): Promise<FailedResource | undefined> {
  let firstFailure: StackEvent | undefined;
  try {
    // Newest first: walk back to the event that started the operation; the last failure seen is the earliest.
    for await (const page of paginateDescribeStackEvents({ client: cloudFormation }, { StackName: stackId })) {
      for (const event of page.StackEvents ?? []) {
        const isStackItself = event.PhysicalResourceId === stackId;
        if (isStackItself && (event.ResourceStatus === 'CREATE_IN_PROGRESS' || event.ResourceStatus === 'DELETE_IN_PROGRESS')) {
          return firstFailure && toFailedResource(firstFailure);
        }
        if (!isStackItself && event.ResourceStatus?.endsWith('_FAILED') && !/cancell?ed/i.test(event.ResourceStatusReason ?? '')) {
          firstFailure = event;
        }
      }
    }
  } catch (error) {
    throw toStackRequestError(error, 'read the team stack\'s events');
  }
  return firstFailure && toFailedResource(firstFailure);
}

function toFailedResource(event: StackEvent): FailedResource {
  return {
    logicalId: event.LogicalResourceId ?? 'unknown',
    resourceType: event.ResourceType ?? 'unknown',
    ...(event.PhysicalResourceId ? { physicalId: event.PhysicalResourceId } : {}),
    status: event.ResourceStatus ?? 'unknown',
    reason: event.ResourceStatusReason ?? 'CloudFormation gave no reason',
  };
}

/** One resource of a stack as CloudFormation last left it. */
export interface StackResourceState {
  /** Empty when CloudFormation never created it. */
  physicalId: string;
  status: string;
  updatedAt: Date;
}

/**
 * A resource of a stack, also of one deleted up to 90 days ago (by its stack id); undefined
 * when the stack never had it.
 */
export async function describeStackResource(cloudFormation: CloudFormationClient, stackId: string, logicalId: string): Promise<StackResourceState | undefined> {
  try {
    const { StackResourceDetail: detail } = await cloudFormation.send(new DescribeStackResourceCommand({ StackName: stackId, LogicalResourceId: logicalId }));
    if (!detail) return undefined;
    return { physicalId: detail.PhysicalResourceId ?? '', status: detail.ResourceStatus ?? 'UNKNOWN', updatedAt: detail.LastUpdatedTimestamp ?? new Date(0) };
  } catch (error) {
    if (error instanceof CloudFormationServiceException && error.name === 'ValidationError' && /does not exist/.test(error.message)) return undefined;
    throw toStackRequestError(error, 'read a resource of the team stack');
  }
}

/**
 * When the stack reached CREATE_COMPLETE, from its own event (the newest, on the first page
 * of its events); undefined when the first page does not hold it.
 */
export async function findCompletionTime(cloudFormation: CloudFormationClient, stackId: string): Promise<Date | undefined> {
  try {
    const { StackEvents } = await cloudFormation.send(new DescribeStackEventsCommand({ StackName: stackId }));
    return StackEvents?.find((event) => event.PhysicalResourceId === stackId && event.ResourceStatus === 'CREATE_COMPLETE')?.Timestamp;
  } catch (error) {
    throw toStackRequestError(error, 'read the team stack\'s events');
  }
}

export interface CreateTeamStackInput {
  stackName: string;
  templateBody: string;
  parameters: Parameter[];
  tags: Tag[];
  /** The run id: a retried request with the same token is not a second stack. */
  clientRequestToken: string;
  /** Role CloudFormation assumes for the stack's resources; empty: the caller's own rights. */
  serviceRoleArn: string;
}

/** Creates the stack and returns its id. A concurrent start surfaces as a `StackStateError`. */
export async function createTeamStack(cloudFormation: CloudFormationClient, input: CreateTeamStackInput): Promise<string> {
  try {
    const { StackId } = await cloudFormation.send(
      new CreateStackCommand({
        StackName: input.stackName,
        TemplateBody: input.templateBody,
        Parameters: input.parameters,
        Tags: input.tags,
        ClientRequestToken: input.clientRequestToken,
        ...(input.serviceRoleArn ? { RoleARN: input.serviceRoleArn } : {}),
        // The template uses the LanguageExtensions transform (Fn::ForEach) and may create its own instance role.
        Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND'],
        // A failed run is deleted by the stack-events function after it reports the reason.
        OnFailure: 'ROLLBACK',
        TimeoutInMinutes: 20,
      }),
    );
    return StackId ?? input.stackName;
  } catch (error) {
    if (error instanceof CloudFormationServiceException && error.name === 'AlreadyExistsException') {
      throw new StackStateError('A run is already starting: someone started one a moment ago. `/ide status` shows it.', { cause: error });
    }
    throw toStackRequestError(error, 'create the team stack');
  }
}

export async function deleteTeamStack(cloudFormation: CloudFormationClient, stackName: string): Promise<void> {
  try {
    await cloudFormation.send(new DeleteStackCommand({ StackName: stackName }));
  } catch (error) {
    throw toStackRequestError(error, 'delete the team stack');
  }
}

/**
 * Turns what CloudFormation says into a message the lead can act on. Faults on AWS's
 * side and anything that is not an AWS error are returned unchanged (they become an
 * apology with an error id).
 */
function toStackRequestError(error: unknown, attempted: string): unknown {
  if (!(error instanceof CloudFormationServiceException) || error.$fault !== 'client') return error;
  const requestId = error.$metadata.requestId;
  const reference = requestId ? ` (AWS request id ${requestId})` : '';
  const advice = ADVICE[error.name] ?? 'Whoever deployed team-ide can look it up in CloudTrail.';
  return new StackRequestError(
    `AWS would not ${attempted}: ${error.name}: ${error.message}${reference}. ${advice}`,
    error.name,
    requestId,
    { cause: error },
  );
}

const ADVICE: Record<string, string> = {
  AccessDenied: 'A team-ide function\'s IAM role lacks a permission: whoever deployed team-ide should redeploy it or check its roles.',
  AccessDeniedException: 'A team-ide function\'s IAM role lacks a permission: whoever deployed team-ide should redeploy it or check its roles.',
  Throttling: 'AWS is busy; try again in a minute.',
  ThrottlingException: 'AWS is busy; try again in a minute.',
  LimitExceededException: 'An AWS account limit was reached; delete unused stacks or ask AWS for a higher limit.',
  ValidationError: 'A setting of the deployment is probably wrong (see the README\'s settings table).',
  InsufficientCapabilitiesException: 'This is a team-ide bug; please report it.',
};
