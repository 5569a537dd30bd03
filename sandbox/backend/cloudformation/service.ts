/**
 * The sandbox's CloudFormation: the calls the functions make (CreateStack, DescribeStacks,
 * DeleteStack, DescribeStackEvents, DescribeStackResource), with the real template checked
 * and evaluated (template.ts), stacks kept in memory, and each status change sent on as the
 * EventBridge event CloudFormation would emit. Nothing is created anywhere: a stack's
 * resources are entries in this object, its secrets entries in the sandbox's Secrets
 * Manager, its data volume (and the snapshot `DeletionPolicy: Snapshot` takes of it) entries
 * in the sandbox's EBS.
 */
import { randomUUID } from 'node:crypto';
import type { StackStatusChangeEvent } from '../../../shared/stack/stack-status-event';
import { HANDLED_STATUSES, STACK_STATUS_CHANGE } from '../../../shared/stack/stack-status-event';
import { TAG } from '../../../shared/stack/team-stack';
import { AwsServiceError, queryStringList, queryStructList } from '../aws-protocols';
import type { SandboxEbs } from '../ebs';
import type { SandboxSecretsManager } from '../secrets-manager';
import type { SandboxParameterStore } from '../ssm';
import {
  checkCapabilities,
  checkRules,
  generatePassword,
  InsufficientCapabilitiesError,
  type ParameterValues,
  parseTemplate,
  planStack,
  type PlannedResource,
  resolveParameters,
  type StackPlan,
  TemplateProcessingError,
  TemplateValidationError,
} from './template';

export const CLOUDFORMATION_NAMESPACE = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

export interface SandboxCloudFormationOptions {
  region: string;
  accountId: string;
  /** How long each operation (create, rollback, delete) takes. */
  delayMs: number;
  /**
   * Awaited after the delay, before an operation finishes: tests hold it to see a stack
   * in progress for as long as they look, however busy the machine. Default: none.
   */
  gate?: () => Promise<void>;
  secrets: SandboxSecretsManager;
  ebs: SandboxEbs;
  /** Where a stack's AWS::SSM::Parameter resources live (the host's seat report). */
  parameters: SandboxParameterStore;
  /** Where status changes go, as the EventBridge rule delivers them to stack-events. */
  publish: (event: StackStatusChangeEvent) => Promise<void>;
  /** One readable line per stack status change. */
  log: (line: string) => void;
  /**
   * Makes the host of a run that seats this slot fail its boot, the way boot.sh reports a
   * container that never gets healthy, to show a failed start and its rollback.
   */
  failSlot?: number;
  /** Overrides the end time the launcher tagged the run with: it ends this many seconds after creation. */
  runSeconds?: number;
}

/** One row of DescribeStackEvents. */
interface StackEventRecord {
  EventId: string;
  StackId: string;
  StackName: string;
  LogicalResourceId: string;
  PhysicalResourceId: string;
  ResourceType: string;
  Timestamp: Date;
  ResourceStatus: string;
  ResourceStatusReason?: string;
  ClientRequestToken?: string;
}

interface SandboxStack {
  stackId: string;
  stackName: string;
  status: string;
  statusReason?: string;
  description?: string;
  createdAt: Date;
  updatedAt?: Date;
  deletedAt?: Date;
  parameters: ParameterValues;
  tags: { Key: string; Value: string }[];
  capabilities: string[];
  roleArn?: string;
  clientRequestToken?: string;
  /** What creating it produces, or why it cannot be created (the reason it rolls back with). */
  plan: StackPlan | TemplateProcessingError;
  /** Resources created so far; deleted again on rollback and delete. */
  created: PlannedResource[];
  outputs: StackPlan['outputs'];
  /** Newest first, as DescribeStackEvents returns them. */
  events: StackEventRecord[];
  timer?: NodeJS.Timeout;
}

/** DescribeStackEvents pages by this many events. */
const EVENTS_PAGE = 100;

export class SandboxCloudFormation {
  private readonly stacks: SandboxStack[] = [];

  constructor(private readonly options: SandboxCloudFormationOptions) {}

  /** Handles one awsQuery request; the result becomes `<ActionResult>`, undefined an empty answer. */
  handle(action: string, form: URLSearchParams): Record<string, unknown> | undefined {
    switch (action) {
      case 'CreateStack':
        return { StackId: this.createStack(form) };
      case 'DescribeStacks':
        return { Stacks: this.findStacks(form.get('StackName') ?? undefined).map((stack) => this.describe(stack)) };
      case 'DeleteStack':
        this.deleteStack(required(form, 'StackName'));
        return undefined;
      case 'DescribeStackEvents':
        return this.describeEvents(required(form, 'StackName'), form.get('NextToken') ?? undefined);
      case 'DescribeStackResource':
        return this.describeResource(required(form, 'StackName'), required(form, 'LogicalResourceId'));
      default:
        throw new AwsServiceError('InvalidAction', `The sandbox's CloudFormation emulates CreateStack, DescribeStacks, DeleteStack, DescribeStackEvents and DescribeStackResource, not ${action}`);
    }
  }

  /**
   * A stack as `serverless deploy` leaves it (the deployment itself, not a team stack):
   * complete, with these outputs. The sandbox runs the functions in serverless-offline
   * instead; recording the stack lets setup and the doctor find its URLs as on AWS.
   */
  recordDeployment(stackName: string, outputs: Record<string, string>): void {
    const stackId = `arn:aws:cloudformation:${this.options.region}:${this.options.accountId}:stack/${stackName}/${randomUUID()}`;
    this.stacks.push({
      stackId,
      stackName,
      status: 'UPDATE_COMPLETE',
      createdAt: new Date(),
      updatedAt: new Date(),
      parameters: {},
      tags: [],
      capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
      plan: { resources: [], outputs: [] },
      created: [],
      outputs: Object.entries(outputs).map(([key, value]) => ({ key, value })),
      events: [],
    });
  }

  /** How many stacks are being created, rolled back or deleted: their events are still to come. */
  stacksInProgress(): number {
    return this.stacks.filter((stack) => stack.status.endsWith('_IN_PROGRESS')).length;
  }

  /** Stops every pending status change, so the sandbox can exit. */
  close(): void {
    for (const stack of this.stacks) {
      clearTimeout(stack.timer);
      delete stack.timer;
    }
  }

  private createStack(form: URLSearchParams): string {
    const stackName = required(form, 'StackName');
    const token = form.get('ClientRequestToken') ?? undefined;
    const live = this.liveStack(stackName);
    if (live) {
      // A retried request (same token) gets the stack it created; anything else collides.
      if (token !== undefined && live.clientRequestToken === token) return live.stackId;
      throw new AwsServiceError('AlreadyExistsException', `Stack [${stackName}] already exists`);
    }
    const onFailure = form.get('OnFailure') ?? 'ROLLBACK';
    if (onFailure !== 'ROLLBACK') throw new AwsServiceError('ValidationError', `The sandbox emulates OnFailure ROLLBACK only, not ${onFailure}`);
    const stackId = `arn:aws:cloudformation:${this.options.region}:${this.options.accountId}:stack/${stackName}/${randomUUID()}`;
    const context = { stackName, stackId, region: this.options.region, accountId: this.options.accountId };
    const capabilities = queryStringList(form, 'Capabilities');
    let parameters: ParameterValues;
    let template: ReturnType<typeof parseTemplate>;
    try {
      template = parseTemplate(required(form, 'TemplateBody'));
      parameters = resolveParameters(template, queryStructList(form, 'Parameters').map(({ ParameterKey, ParameterValue }) => ({ key: ParameterKey ?? '', value: ParameterValue ?? '' })));
      checkCapabilities(template, capabilities);
      checkRules(template, parameters, context);
    } catch (error) {
      if (error instanceof TemplateValidationError) throw new AwsServiceError('ValidationError', error.message);
      if (error instanceof InsufficientCapabilitiesError) throw new AwsServiceError('InsufficientCapabilitiesException', error.message);
      throw error;
    }
    let plan: SandboxStack['plan'];
    try {
      plan = planStack(template, parameters, context);
    } catch (error) {
      if (!(error instanceof TemplateProcessingError)) throw error;
      plan = error;
    }
    const stack: SandboxStack = {
      stackId,
      stackName,
      status: 'CREATE_IN_PROGRESS',
      statusReason: 'User Initiated',
      ...(typeof template.document.Description === 'string' ? { description: template.document.Description } : {}),
      createdAt: new Date(),
      parameters,
      tags: this.withSandboxLifetime(queryStructList(form, 'Tags').map(({ Key, Value }) => ({ Key: Key ?? '', Value: Value ?? '' }))),
      capabilities,
      ...(form.get('RoleARN') ? { roleArn: form.get('RoleARN') as string } : {}),
      ...(token !== undefined ? { clientRequestToken: token } : {}),
      plan,
      created: [],
      outputs: [],
      events: [],
    };
    this.stacks.push(stack);
    this.setStackStatus(stack, 'CREATE_IN_PROGRESS', 'User Initiated');
    this.later(stack, () => this.createResources(stack));
    return stackId;
  }

  private withSandboxLifetime(tags: SandboxStack['tags']): SandboxStack['tags'] {
    const { runSeconds } = this.options;
    if (runSeconds === undefined) return tags;
    const endsAt = new Date(Date.now() + runSeconds * 1000).toISOString();
    return tags.map((tag) => (tag.Key === TAG.endsAt ? { Key: tag.Key, Value: endsAt } : tag));
  }

  private createResources(stack: SandboxStack): void {
    if (stack.plan instanceof TemplateProcessingError) {
      this.rollBack(stack, stack.plan.message);
      return;
    }
    const failing = this.failingResource(stack, stack.plan);
    let failed: PlannedResource | undefined;
    for (const resource of stack.plan.resources) {
      if (failed) {
        // CloudFormation cancels what was still being created once one resource fails.
        this.resourceEvent(stack, resource, 'CREATE_FAILED', 'Resource creation cancelled');
        continue;
      }
      this.resourceEvent(stack, resource, 'CREATE_IN_PROGRESS');
      const failure = resource === failing?.resource ? failing.reason : this.createResource(resource);
      if (failure) {
        this.resourceEvent(stack, resource, 'CREATE_FAILED', failure);
        failed = resource;
        continue;
      }
      stack.created.push(resource);
      this.resourceEvent(stack, resource, 'CREATE_COMPLETE');
    }
    if (failed) {
      this.rollBack(stack, `The following resource(s) failed to create: [${failed.logicalId}]. Rollback requested by user.`);
      return;
    }
    stack.outputs = stack.plan.outputs;
    this.setStackStatus(stack, 'CREATE_COMPLETE');
  }

  /** Creates what the sandbox keeps of a resource (secrets, volumes, SSM parameters); returns why it failed, if it did. */
  private createResource(resource: PlannedResource): string | undefined {
    if (resource.type === 'AWS::EC2::Volume') return this.createVolume(resource);
    if (resource.type === 'AWS::EC2::Instance') return this.attachVolumes(resource);
    if (resource.type === 'AWS::SSM::Parameter') return this.createParameter(resource);
    if (resource.type !== 'AWS::SecretsManager::Secret') return undefined;
    const { Name, SecretString, GenerateSecretString } = resource.properties;
    try {
      const value = typeof SecretString === 'string' ? SecretString : generatePassword((GenerateSecretString ?? {}) as Record<string, unknown>);
      // Without a Name, the secret is named as its ARN says: <name>-<six random characters>.
      const name = typeof Name === 'string' ? Name : resource.physicalId.replace(/^.*:secret:/, '').replace(/-[A-Za-z]{6}$/, '');
      this.options.secrets.create(resource.physicalId, name, value);
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  }

  private createVolume(resource: PlannedResource): string | undefined {
    const { AvailabilityZone, Size, Encrypted, SnapshotId } = resource.properties;
    return this.options.ebs.createVolume({
      volumeId: resource.physicalId,
      availabilityZone: String(AvailabilityZone ?? ''),
      sizeGb: Number(Size),
      encrypted: Encrypted === true || Encrypted === 'true',
      ...(typeof SnapshotId === 'string' ? { snapshotId: SnapshotId } : {}),
    });
  }

  /** An instance's `Volumes` are attached once it runs: only volumes in its subnet's zone. */
  private attachVolumes(resource: PlannedResource): string | undefined {
    const volumes = Array.isArray(resource.properties.Volumes) ? (resource.properties.Volumes as { VolumeId?: string }[]) : [];
    const subnetId = (resource.properties.NetworkInterfaces as { SubnetId?: string }[] | undefined)?.[0]?.SubnetId;
    const zone = this.options.ebs.subnetZone(String(subnetId ?? resource.properties.SubnetId ?? ''));
    const elsewhere = volumes.find(({ VolumeId }) => this.options.ebs.zoneOf(String(VolumeId)) !== zone);
    return elsewhere ? `Volume '${String(elsewhere.VolumeId)}' is not in the same availability zone as instance '${resource.physicalId}' (Service: Ec2, Status Code: 400, Error Code: InvalidVolume.ZoneMismatch)` : undefined;
  }

  /** AWS::SSM::Parameter: CloudFormation makes String and StringList parameters only, never a SecureString. */
  private createParameter(resource: PlannedResource): string | undefined {
    const { Value, Type, Tags } = resource.properties;
    if (Type !== 'String' && Type !== 'StringList') return `Properties validation failed for resource ${resource.logicalId} with message: #/Type: ${String(Type)} is not a valid enum value`;
    try {
      this.options.parameters.create(resource.physicalId, String(Value), Type, Object.fromEntries(Object.entries((Tags ?? {}) as Record<string, unknown>).map(([key, value]) => [key, String(value)])));
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  }

  /**
   * The runs that are up, as a host sees its own: the stack, its run id and seats, and the
   * instance it runs on. For the stand-in of the hosts' seat reports (hosts.ts).
   */
  runningHosts(): { stackName: string; stackId: string; runId: string; slots: number[]; instanceId: string }[] {
    return this.stacks.flatMap((stack) => {
      const instance = stack.created.find((resource) => resource.type === 'AWS::EC2::Instance');
      const { RunId, Slots } = stack.parameters;
      if (stack.status !== 'CREATE_COMPLETE' || !instance || typeof RunId !== 'string' || !Array.isArray(Slots)) return [];
      return [{ stackName: stack.stackName, stackId: stack.stackId, runId: RunId, slots: Slots.map(Number), instanceId: instance.physicalId }];
    });
  }

  /** The resource that fails when the run seats `failSlot`: the wait condition the host signals, with boot.sh's failure message. */
  private failingResource(stack: SandboxStack, plan: StackPlan): { resource: PlannedResource; reason: string } | undefined {
    const slot = this.options.failSlot;
    const slots = stack.parameters.Slots;
    const waitCondition = plan.resources.find((resource) => resource.type === 'AWS::CloudFormation::WaitCondition');
    const instance = plan.resources.find((resource) => resource.type === 'AWS::EC2::Instance');
    if (slot === undefined || !waitCondition || !Array.isArray(slots) || !slots.includes(String(slot))) return undefined;
    return {
      resource: waitCondition,
      reason: `WaitCondition received failed message: 'team-ide boot failed at step wait-healthy-dev-${slot} (exit 28)' for uniqueId: ${instance?.physicalId ?? 'i-0'}`,
    };
  }

  private rollBack(stack: SandboxStack, reason: string): void {
    this.setStackStatus(stack, 'ROLLBACK_IN_PROGRESS', reason);
    this.later(stack, () => {
      const failed = this.deleteResources(stack);
      this.setStackStatus(stack, failed.length > 0 ? 'ROLLBACK_FAILED' : 'ROLLBACK_COMPLETE', failed.length > 0 ? failedToDelete(failed) : undefined);
    });
  }

  private deleteStack(stackNameOrId: string): void {
    const stack = this.findStacks(stackNameOrId, { quiet: true })[0];
    // Deleting a stack that is gone or already going succeeds and does nothing, as in AWS; one that failed to delete is tried again.
    if (!stack || (stack.status.startsWith('DELETE_') && stack.status !== 'DELETE_FAILED')) return;
    clearTimeout(stack.timer);
    this.setStackStatus(stack, 'DELETE_IN_PROGRESS', 'User Initiated');
    this.later(stack, () => {
      const failed = this.deleteResources(stack);
      if (failed.length > 0) {
        this.setStackStatus(stack, 'DELETE_FAILED', failedToDelete(failed));
        return;
      }
      stack.deletedAt = new Date();
      this.setStackStatus(stack, 'DELETE_COMPLETE');
    });
  }

  /** Deletes the created resources, dependents first; returns the ones that failed, which stay. */
  private deleteResources(stack: SandboxStack): PlannedResource[] {
    const failed: PlannedResource[] = [];
    for (const resource of [...stack.created].reverse()) {
      this.resourceEvent(stack, resource, 'DELETE_IN_PROGRESS');
      const failure = this.deleteResource(resource);
      if (failure) {
        this.resourceEvent(stack, resource, 'DELETE_FAILED', failure);
        failed.push(resource);
        continue;
      }
      this.resourceEvent(stack, resource, 'DELETE_COMPLETE');
    }
    stack.created = failed;
    return failed;
  }

  /** Returns why the resource could not be deleted, if it could not. */
  private deleteResource(resource: PlannedResource): string | undefined {
    if (resource.type === 'AWS::SecretsManager::Secret') this.options.secrets.delete(resource.physicalId);
    if (resource.type === 'AWS::SSM::Parameter') this.options.parameters.remove(resource.physicalId);
    if (resource.type === 'AWS::EC2::Volume') {
      if (resource.deletionPolicy === 'Snapshot') return this.options.ebs.snapshotAndDeleteVolume(resource.physicalId);
      if (resource.deletionPolicy !== 'Retain') this.options.ebs.deleteVolume(resource.physicalId);
    }
    return undefined;
  }

  private later(stack: SandboxStack, step: () => void): void {
    const { gate } = this.options;
    const timer: NodeJS.Timeout = setTimeout(() => {
      if (!gate) return step();
      // A delete that came meanwhile replaced this step (clearTimeout stops it only before the delay).
      void gate().then(() => {
        if (stack.timer === timer) step();
      });
    }, this.options.delayMs);
    stack.timer = timer;
  }

  private setStackStatus(stack: SandboxStack, status: string, reason?: string): void {
    stack.status = status;
    if (reason === undefined) delete stack.statusReason;
    else stack.statusReason = reason;
    if (status !== 'CREATE_IN_PROGRESS') stack.updatedAt = new Date();
    this.pushEvent(stack, {
      LogicalResourceId: stack.stackName,
      PhysicalResourceId: stack.stackId,
      ResourceType: 'AWS::CloudFormation::Stack',
      ResourceStatus: status,
      ...(reason ? { ResourceStatusReason: reason } : {}),
    });
    this.options.log(`${stack.stackName} ${status}${reason && reason !== 'User Initiated' ? `: ${reason}` : ''}`);
    if ((HANDLED_STATUSES as readonly string[]).includes(status)) {
      this.options.publish(statusChangeEvent(stack, this.options)).catch((error: unknown) => {
        this.options.log(`could not deliver ${status} to stack-events: ${(error as Error).message}`);
      });
    }
  }

  private resourceEvent(stack: SandboxStack, resource: PlannedResource, status: string, reason?: string): void {
    this.pushEvent(stack, {
      LogicalResourceId: resource.logicalId,
      PhysicalResourceId: resource.physicalId,
      ResourceType: resource.type,
      ResourceStatus: status,
      ...(reason ? { ResourceStatusReason: reason } : {}),
    });
  }

  private pushEvent(stack: SandboxStack, event: Omit<StackEventRecord, 'EventId' | 'StackId' | 'StackName' | 'Timestamp'>): void {
    stack.events.unshift({
      EventId: `${event.LogicalResourceId}-${event.ResourceStatus}-${randomUUID()}`,
      StackId: stack.stackId,
      StackName: stack.stackName,
      Timestamp: new Date(),
      ...(stack.clientRequestToken ? { ClientRequestToken: stack.clientRequestToken } : {}),
      ...event,
    });
  }

  private liveStack(stackName: string): SandboxStack | undefined {
    return this.stacks.find((stack) => stack.stackName === stackName && stack.status !== 'DELETE_COMPLETE');
  }

  /** By name: the live stack of that name. By id: that stack, also once deleted (AWS keeps them 90 days). */
  private findStacks(stackNameOrId: string | undefined, { quiet = false } = {}): SandboxStack[] {
    if (stackNameOrId === undefined) return this.stacks.filter((stack) => stack.status !== 'DELETE_COMPLETE');
    const stack = stackNameOrId.startsWith('arn:') ? this.stacks.find((candidate) => candidate.stackId === stackNameOrId) : this.liveStack(stackNameOrId);
    if (!stack && !quiet) throw new AwsServiceError('ValidationError', `Stack with id ${stackNameOrId} does not exist`);
    return stack ? [stack] : [];
  }

  private describe(stack: SandboxStack): Record<string, unknown> {
    return {
      StackId: stack.stackId,
      StackName: stack.stackName,
      Description: stack.description,
      Parameters: Object.entries(stack.parameters).map(([key, value]) => ({ ParameterKey: key, ParameterValue: [value].flat().join(',') })),
      CreationTime: stack.createdAt,
      LastUpdatedTime: stack.updatedAt,
      DeletionTime: stack.deletedAt,
      StackStatus: stack.status,
      StackStatusReason: stack.statusReason,
      DisableRollback: false,
      NotificationARNs: [],
      Capabilities: stack.capabilities,
      Outputs: stack.outputs.map((output) => ({ OutputKey: output.key, OutputValue: output.value, Description: output.description })),
      RoleARN: stack.roleArn,
      Tags: stack.tags,
      EnableTerminationProtection: false,
    };
  }

  /** The resource as its newest event left it; CloudFormation answers the same for a deleted stack (by id). */
  private describeResource(stackNameOrId: string, logicalId: string): Record<string, unknown> {
    const [stack] = this.findStacks(stackNameOrId) as [SandboxStack];
    const event = stack.events.find((candidate) => candidate.LogicalResourceId === logicalId && candidate.PhysicalResourceId !== stack.stackId);
    if (!event) throw new AwsServiceError('ValidationError', `Resource ${logicalId} does not exist for stack ${stack.stackName}`);
    return {
      StackResourceDetail: {
        StackName: stack.stackName,
        StackId: stack.stackId,
        LogicalResourceId: logicalId,
        PhysicalResourceId: event.PhysicalResourceId,
        ResourceType: event.ResourceType,
        LastUpdatedTimestamp: event.Timestamp,
        ResourceStatus: event.ResourceStatus,
        ...(event.ResourceStatusReason ? { ResourceStatusReason: event.ResourceStatusReason } : {}),
      },
    };
  }

  private describeEvents(stackNameOrId: string, nextToken: string | undefined): Record<string, unknown> {
    const [stack] = this.findStacks(stackNameOrId);
    const start = nextToken === undefined ? 0 : Number(nextToken);
    const events = (stack as SandboxStack).events;
    return {
      StackEvents: events.slice(start, start + EVENTS_PAGE),
      NextToken: start + EVENTS_PAGE < events.length ? String(start + EVENTS_PAGE) : undefined,
    };
  }
}

const failedToDelete = (failed: PlannedResource[]) => `The following resource(s) failed to delete: [${failed.map((resource) => resource.logicalId).join(', ')}].`;

function required(form: URLSearchParams, name: string): string {
  const value = form.get(name);
  if (value === null || value === '') throw new AwsServiceError('ValidationError', `1 validation error detected: Value null at '${name[0]?.toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`);
  return value;
}

/** The event EventBridge delivers for a stack status change (test/events/cloudformation/*.json have the same shape). */
function statusChangeEvent(stack: SandboxStack, options: Pick<SandboxCloudFormationOptions, 'region' | 'accountId'>): StackStatusChangeEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': STACK_STATUS_CHANGE,
    source: 'aws.cloudformation',
    account: options.accountId,
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: options.region,
    resources: [stack.stackId],
    detail: {
      'stack-id': stack.stackId,
      'status-details': { status: stack.status, 'status-reason': stack.statusReason ?? '' },
      ...(stack.clientRequestToken ? { 'client-request-token': stack.clientRequestToken } : {}),
    },
  };
}
