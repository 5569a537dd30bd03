/**
 * The sandbox's Parameter Store: the Slack secrets the functions read at cold start, and
 * the run markers (String parameters created with Overwrite: false, so only one caller wins).
 */
import { AwsServiceError, epochSeconds } from './aws-protocols';

interface StoredParameter {
  name: string;
  type: string;
  value: string;
  version: number;
  modifiedAt: Date;
}

/** GetParametersByPath and DeleteParameters take at most 10 at a time, as in AWS. */
const PAGE = 10;

export class SandboxParameterStore {
  private readonly parameters = new Map<string, StoredParameter>();

  constructor(
    private readonly region: string,
    private readonly accountId: string,
  ) {}

  /** Seeds a parameter, as `aws ssm put-parameter` would before a deploy. */
  put(name: string, value: string, type = 'SecureString'): void {
    const version = (this.parameters.get(name)?.version ?? 0) + 1;
    this.parameters.set(name, { name, type, value, version, modifiedAt: new Date() });
  }

  /** The names held now, for tests and the sandbox's own checks. */
  names(): string[] {
    return [...this.parameters.keys()].sort();
  }

  handle(operation: string, input: Record<string, unknown>): unknown {
    switch (operation) {
      case 'GetParameter': {
        const parameter = this.parameters.get(String(input.Name));
        if (!parameter) throw new AwsServiceError('ParameterNotFound', '');
        return { Parameter: this.describe(parameter) };
      }
      case 'GetParameters': {
        const names = (input.Names as string[] | undefined) ?? [];
        if (names.length > PAGE) throw new AwsServiceError('ValidationException', `1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length less than or equal to ${PAGE}`);
        return {
          Parameters: names.flatMap((name) => (this.parameters.has(name) ? [this.describe(this.parameters.get(name) as StoredParameter)] : [])),
          InvalidParameters: names.filter((name) => !this.parameters.has(name)),
        };
      }
      case 'PutParameter': {
        const name = String(input.Name);
        if (this.parameters.has(name) && input.Overwrite !== true) {
          throw new AwsServiceError('ParameterAlreadyExists', 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.');
        }
        this.put(name, String(input.Value), String(input.Type ?? this.parameters.get(name)?.type ?? 'String'));
        return { Version: this.parameters.get(name)?.version, Tier: 'Standard' };
      }
      case 'DeleteParameter':
        if (!this.parameters.delete(String(input.Name))) throw new AwsServiceError('ParameterNotFound', '');
        return {};
      case 'DeleteParameters': {
        const names = (input.Names as string[] | undefined) ?? [];
        if (names.length > PAGE) throw new AwsServiceError('ValidationException', `1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length less than or equal to ${PAGE}`);
        const deleted = names.filter((name) => this.parameters.has(name));
        for (const name of deleted) this.parameters.delete(name);
        return { DeletedParameters: deleted, InvalidParameters: names.filter((name) => !deleted.includes(name)) };
      }
      case 'GetParametersByPath':
        return this.byPath(String(input.Path), input.Recursive === true, Number(input.MaxResults ?? PAGE), input.NextToken as string | undefined);
      default:
        throw new AwsServiceError('InvalidAction', `The sandbox's SSM emulates GetParameter(s), PutParameter, DeleteParameter(s) and GetParametersByPath, not ${operation}`);
    }
  }

  private byPath(path: string, recursive: boolean, maxResults: number, nextToken: string | undefined): unknown {
    const prefix = path.endsWith('/') ? path : `${path}/`;
    const matching = [...this.parameters.values()]
      .filter(({ name }) => name.startsWith(prefix) && (recursive || !name.slice(prefix.length).includes('/')))
      .sort((a, b) => a.name.localeCompare(b.name));
    const start = nextToken === undefined ? 0 : Number(nextToken);
    const end = start + Math.min(maxResults, PAGE);
    return {
      Parameters: matching.slice(start, end).map((parameter) => this.describe(parameter)),
      ...(end < matching.length ? { NextToken: String(end) } : {}),
    };
  }

  private describe(parameter: StoredParameter) {
    return {
      Name: parameter.name,
      Type: parameter.type,
      Value: parameter.value,
      Version: parameter.version,
      LastModifiedDate: epochSeconds(parameter.modifiedAt),
      ARN: `arn:aws:ssm:${this.region}:${this.accountId}:parameter/${parameter.name.replace(/^\//, '')}`,
      DataType: 'text',
    };
  }
}
