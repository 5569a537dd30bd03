/**
 * The sandbox's Secrets Manager: the secrets the sandbox's CloudFormation creates for a
 * stack, readable with GetSecretValue (the only call the functions make).
 */
import { randomUUID } from 'node:crypto';
import { AwsServiceError, epochSeconds } from './aws-protocols';

export interface StoredSecret {
  arn: string;
  name: string;
  value: string;
  versionId: string;
  createdAt: Date;
}

export class SandboxSecretsManager {
  private readonly secrets = new Map<string, StoredSecret>();

  /** Called by the sandbox's CloudFormation when it creates an AWS::SecretsManager::Secret. */
  create(arn: string, name: string, value: string): void {
    this.secrets.set(arn, { arn, name, value, versionId: randomUUID(), createdAt: new Date() });
  }

  /** Called when the stack that holds the secret is deleted or rolled back. */
  delete(arn: string): void {
    this.secrets.delete(arn);
  }

  /** By full ARN, by name, or by ARN without the random suffix, as Secrets Manager accepts a SecretId. */
  find(secretId: string): StoredSecret | undefined {
    return this.secrets.get(secretId) ?? [...this.secrets.values()].find((secret) => secret.name === secretId || secret.arn.startsWith(`${secretId}-`));
  }

  /** The secrets held now, for tests and the sandbox's own checks. */
  list(): StoredSecret[] {
    return [...this.secrets.values()];
  }

  handle(operation: string, input: Record<string, unknown>): unknown {
    if (operation !== 'GetSecretValue') {
      throw new AwsServiceError('InvalidAction', `The sandbox's Secrets Manager emulates GetSecretValue only, not ${operation}`);
    }
    const secret = typeof input.SecretId === 'string' ? this.find(input.SecretId) : undefined;
    if (!secret) throw new AwsServiceError('ResourceNotFoundException', 'Secrets Manager can\'t find the specified secret.');
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: secret.versionId,
      SecretString: secret.value,
      VersionStages: ['AWSCURRENT'],
      CreatedDate: epochSeconds(secret.createdAt),
    };
  }
}
