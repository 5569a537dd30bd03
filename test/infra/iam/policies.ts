/**
 * The IAM policies of the packaged deployment, as IAM receives them: every intrinsic
 * function CloudFormation resolves (Fn::Sub, Ref, Fn::GetAtt, Fn::Join) resolved for one
 * account and region. Not a hand copy: what `serverless package` wrote is what is evaluated.
 */
import type { PackagedTemplate } from '../packaged-deployment';
import { type DeploymentContext, physicalName } from './deployment-context';

export interface NamedPolicy {
  name: string;
  policy: { Version: string; Statement: Statement[] };
}

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

function resolve(value: unknown, template: PackagedTemplate, context: DeploymentContext): unknown {
  if (Array.isArray(value)) return value.map((entry) => resolve(entry, template, context));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value);
  const [name, argument] = entries[0] ?? [];
  if (entries.length === 1 && name === 'Ref') return ref(String(argument), template, context);
  if (entries.length === 1 && name === 'Fn::GetAtt') {
    const [logicalId, attribute] = Array.isArray(argument) ? argument.map(String) : String(argument).split('.');
    return getAtt(String(logicalId), String(attribute), template, context);
  }
  if (entries.length === 1 && name === 'Fn::Join') {
    const [delimiter, items] = argument as [string, unknown[]];
    return (resolve(items, template, context) as unknown[]).join(delimiter);
  }
  if (entries.length === 1 && name === 'Fn::Sub') {
    const [text, variables] = Array.isArray(argument) ? (argument as [string, Record<string, unknown>]) : [String(argument), {}];
    return text.replace(/\$\{([^}!]+)\}/g, (_, variable: string) => {
      if (variable in variables) return String(resolve(variables[variable], template, context));
      const dot = variable.indexOf('.');
      if (dot > 0 && !variable.startsWith('AWS::')) return String(getAtt(variable.slice(0, dot), variable.slice(dot + 1), template, context));
      return String(ref(variable, template, context));
    });
  }
  if (entries.some(([key]) => key.startsWith('Fn::'))) throw new Error(`the IAM simulation does not resolve ${name}`);
  return Object.fromEntries(entries.map(([key, entry]) => [key, resolve(entry, template, context)]));
}

function ref(name: string, template: PackagedTemplate, context: DeploymentContext): string {
  const pseudo: Record<string, string> = {
    'AWS::Region': context.region,
    'AWS::AccountId': context.accountId,
    'AWS::Partition': context.partition,
    'AWS::URLSuffix': 'amazonaws.com',
  };
  if (name in pseudo) return pseudo[name] as string;
  if (!template.Resources[name]) throw new Error(`Ref names nothing in the packaged template: ${name}`);
  return physicalName(name);
}

function getAtt(logicalId: string, attribute: string, template: PackagedTemplate, context: DeploymentContext): string {
  const type = template.Resources[logicalId]?.Type;
  if (type === 'AWS::IAM::Role' && attribute === 'Arn') return context.roleArn(logicalId);
  if (type === 'AWS::IAM::InstanceProfile' && attribute === 'Arn') return context.instanceProfileArn(logicalId);
  if (type === 'AWS::Lambda::Function' && attribute === 'Arn') return context.functionArn(String(template.Resources[logicalId]?.Properties.FunctionName));
  if (type === 'AWS::SQS::Queue' && attribute === 'Arn') return context.queueArn(String(template.Resources[logicalId]?.Properties.QueueName));
  throw new Error(`the IAM simulation does not resolve Fn::GetAtt ${logicalId}.${attribute} (${type ?? 'no such resource'})`);
}

/** The inline policies of one role of the deployment, resolved for the context's account and region. */
export function rolePolicies(template: PackagedTemplate, roleId: string, context: DeploymentContext): NamedPolicy[] {
  const role = template.Resources[roleId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`the packaged template has no role ${roleId}`);
  if (role.Properties.ManagedPolicyArns) throw new Error(`${roleId} has managed policies, which the simulation cannot read`);
  return (role.Properties.Policies as { PolicyName: string; PolicyDocument: unknown }[]).map((policy) => ({
    name: policy.PolicyName,
    policy: resolve(policy.PolicyDocument, template, context) as NamedPolicy['policy'],
  }));
}

/** Each Lambda function of the deployment: its serverless name, source file, role and environment. */
export interface DeployedFunction {
  logicalId: string;
  functionName: string;
  /** functions/<name>.ts */
  sourceFile: string;
  roleId: string;
  environment: Record<string, string>;
}

export function deployedFunctions(template: PackagedTemplate): DeployedFunction[] {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
    .map(([logicalId, resource]) => ({
      logicalId,
      functionName: String(resource.Properties.FunctionName),
      sourceFile: `${String(resource.Properties.Handler).replace(/\.[^.]+$/, '')}.ts`,
      roleId: String(resource.Properties.Role['Fn::GetAtt'][0]),
      environment: resource.Properties.Environment.Variables as Record<string, string>,
    }));
}

/** A copy of the policies with one action taken out of every statement that grants it. */
export function withoutAction(policies: NamedPolicy[], action: string): NamedPolicy[] {
  return policies.map(({ name, policy }) => ({
    name,
    policy: {
      ...policy,
      Statement: policy.Statement.map((statement) => ({ ...statement, Action: [statement.Action].flat().filter((granted) => granted !== action) })).filter(
        (statement) => statement.Action.length > 0,
      ),
    },
  }));
}
