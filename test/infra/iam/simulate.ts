/**
 * One IAM request evaluated against a principal's policies by @cloud-copilot/iam-simulate
 * (dev only: AGPL-3.0, never bundled). It evaluates Resource and Condition as IAM does, and
 * refuses an unknown action or an ARN of the wrong form, which is reported as an error.
 */
import { runSimulation, runUnsafeSimulation } from '@cloud-copilot/iam-simulate';
import type { DeploymentContext } from './deployment-context';
import type { NamedPolicy } from './policies';

export interface IamRequest {
  action: string;
  resource: string;
  /** Request context as AWS sets it for this call (condition keys → values). */
  context?: Record<string, string | string[]>;
  /**
   * Evaluate without checking the ARN against the Service Authorization Reference: only for
   * ARNs AWS documents but the reference lists no resource type for (a transform's).
   */
  unlisted?: true;
  /** The resource's own policy where the service requires one (a KMS key's key policy). */
  resourcePolicy?: unknown;
}

export type Outcome = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied' | 'Error';

export interface Verdict {
  request: IamRequest;
  outcome: Outcome;
  /** What the simulator could not evaluate (an unknown action, a malformed ARN). */
  error?: string;
}

export async function simulate(principalArn: string, policies: NamedPolicy[], request: IamRequest, context: DeploymentContext): Promise<Verdict> {
  const simulation = {
    request: {
      principal: principalArn,
      action: request.action,
      resource: { resource: request.resource, accountId: context.accountId },
      contextVariables: { 'aws:RequestedRegion': context.region, ...request.context },
    },
    identityPolicies: policies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(request.resourcePolicy ? { resourcePolicy: request.resourcePolicy } : {}),
  };
  if (request.unlisted) return { request, outcome: runUnsafeSimulation(simulation, {}) as Outcome };
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') return { request, outcome: 'Error', error: JSON.stringify(result.errors) };
  return { request, outcome: result.overallResult as Outcome };
}

/** One line a person fixing the policy can act on. */
export function describeVerdict(verdict: Verdict): string {
  const { action, resource, context = {} } = verdict.request;
  const conditions = Object.entries(context).map(([key, value]) => `${key}=${[value].flat().join('|')}`);
  return `${action} on ${resource}${conditions.length > 0 ? ` (${conditions.join(', ')})` : ''}: ${verdict.outcome}${verdict.error ? ` ${verdict.error}` : ''}`;
}
