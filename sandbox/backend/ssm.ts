/**
 * The sandbox's Parameter Store: the Slack secrets the functions read at cold start, the
 * run markers (String parameters created with Overwrite: false, so only one caller wins),
 * and the certificate with its key. It keeps SSM's rules: 4 KB for a standard parameter and
 * 8 KB for an advanced one, no way back from advanced to standard, SecureString values
 * encrypted unless read WithDecryption, DescribeParameters filtering each page after it is
 * read (so pages come back short or empty with a NextToken).
 */
import { authorize, notAuthorized, type SandboxAccount } from './account';
import { AwsServiceError, epochSeconds } from './aws-protocols';

interface StoredParameter {
  name: string;
  type: string;
  value: string;
  version: number;
  tier: Tier;
  modifiedAt: Date;
  /** The KMS key of a SecureString: AWS's default `alias/aws/ssm` unless PutParameter named another. */
  keyId?: string;
  /** Set when the parameter is created (CloudFormation's AWS::SSM::Parameter); kept across overwrites. */
  tags?: Record<string, string>;
}

type Tier = 'Standard' | 'Advanced';

const TIER_LIMITS: Record<Tier, number> = { Standard: 4096, Advanced: 8192 };

/** How many parameters DescribeParameters reads for one page, before its filters. */
const DESCRIBE_PAGE = 10;

/** GetParametersByPath and DeleteParameters take at most 10 at a time, as in AWS. */
const PAGE = 10;

export class SandboxParameterStore {
  private readonly parameters = new Map<string, StoredParameter>();
  private readonly deniedWrites = new Set<string>();
  private readonly deniedReads = new Set<string>();

  constructor(
    private readonly region: string,
    /** Whose parameters these are, and who calls: IAM's refusals name the caller. */
    private readonly account: Pick<SandboxAccount, 'accountId' | 'callerArn' | 'deniedActions'>,
  ) {}

  /** Seeds a parameter, as `aws ssm put-parameter` would before a deploy. */
  put(name: string, value: string, type = 'SecureString', tier?: Tier, keyId?: string): void {
    const previous = this.parameters.get(name);
    const version = (previous?.version ?? 0) + 1;
    const key = type === 'SecureString' ? { keyId: keyId ?? previous?.keyId ?? 'alias/aws/ssm' } : {};
    const tags = previous?.tags ? { tags: previous.tags } : {};
    this.parameters.set(name, { name, type, value, version, tier: tier ?? previous?.tier ?? 'Standard', modifiedAt: new Date(), ...key, ...tags });
  }

  /** Creates a tagged parameter, as CloudFormation's AWS::SSM::Parameter does; refuses an existing name. */
  create(name: string, value: string, type: string, tags: Record<string, string>): void {
    if (this.parameters.has(name)) throw new AwsServiceError('ParameterAlreadyExists', 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.');
    this.tierFor(undefined, 'Standard', value);
    this.put(name, value, type, 'Standard');
    (this.parameters.get(name) as StoredParameter).tags = { ...tags };
  }

  /** A parameter's tags (ListTagsForResource), for the checks IAM would make on them. */
  tagsOf(name: string): Record<string, string> | undefined {
    return this.parameters.get(name)?.tags;
  }

  /** Deletes a parameter, as CloudFormation does with its stack; a missing one is already gone. */
  remove(name: string): void {
    this.parameters.delete(name);
  }

  /** Makes PutParameter on `name` fail as IAM would refuse it: to show what a role without the right sees. */
  denyWrites(name: string): void {
    this.deniedWrites.add(name);
  }

  /** Makes GetParameter(s) naming `name` fail as IAM would refuse them: to show what a reader without the right sees. */
  denyReads(name: string): void {
    this.deniedReads.add(name);
  }

  /** The stored value and tier, for tests and the sandbox's own checks. */
  peek(name: string): { value: string; tier: Tier; version: number; modifiedAt: Date } | undefined {
    const parameter = this.parameters.get(name);
    return parameter ? { value: parameter.value, tier: parameter.tier, version: parameter.version, modifiedAt: parameter.modifiedAt } : undefined;
  }

  /** The names held now, for tests and the sandbox's own checks. */
  names(): string[] {
    return [...this.parameters.keys()].sort();
  }

  handle(operation: string, input: Record<string, unknown>): unknown {
    authorize(this.account, `ssm:${operation}`, (message) => new AwsServiceError('AccessDeniedException', message));
    switch (operation) {
      case 'GetParameter': {
        this.checkRead('ssm:GetParameter', [String(input.Name)]);
        const parameter = this.parameters.get(String(input.Name));
        if (!parameter) throw new AwsServiceError('ParameterNotFound', '');
        return { Parameter: this.describe(parameter, input.WithDecryption === true) };
      }
      case 'GetParameters': {
        const names = (input.Names as string[] | undefined) ?? [];
        if (names.length > PAGE) throw new AwsServiceError('ValidationException', `1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length less than or equal to ${PAGE}`);
        this.checkRead('ssm:GetParameters', names);
        return {
          Parameters: names.flatMap((name) => (this.parameters.has(name) ? [this.describe(this.parameters.get(name) as StoredParameter, input.WithDecryption === true)] : [])),
          InvalidParameters: names.filter((name) => !this.parameters.has(name)),
        };
      }
      case 'PutParameter': {
        const name = String(input.Name);
        if (this.deniedWrites.has(name)) throw this.accessDenied('ssm:PutParameter', name);
        if (this.parameters.has(name) && input.Overwrite !== true) {
          throw new AwsServiceError('ParameterAlreadyExists', 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.');
        }
        const value = String(input.Value);
        const tier = this.tierFor(this.parameters.get(name), String(input.Tier ?? 'Standard'), value);
        this.put(name, value, String(input.Type ?? this.parameters.get(name)?.type ?? 'String'), tier, typeof input.KeyId === 'string' ? input.KeyId : undefined);
        return { Version: this.parameters.get(name)?.version, Tier: tier };
      }
      case 'DescribeParameters':
        return this.describeParameters(input);
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
        return this.byPath(String(input.Path), input.Recursive === true, Number(input.MaxResults ?? PAGE), input.NextToken as string | undefined, input.WithDecryption === true);
      default:
        throw new AwsServiceError('InvalidAction', `The sandbox's SSM emulates GetParameter(s), PutParameter, DeleteParameter(s), DescribeParameters and GetParametersByPath, not ${operation}`);
    }
  }

  /** IAM authorizes a read on every name it asks for: one denied fails the whole call. */
  private checkRead(action: string, names: readonly string[]): void {
    const denied = names.find((name) => this.deniedReads.has(name));
    if (denied !== undefined) throw this.accessDenied(action, denied);
  }

  /** IAM's refusal, in its words. */
  private accessDenied(action: string, name: string): AwsServiceError {
    return new AwsServiceError('AccessDeniedException', notAuthorized(this.account, action, this.arn(name)));
  }

  /** The tier a PutParameter ends in, or SSM's refusal. */
  private tierFor(existing: StoredParameter | undefined, requested: string, value: string): Tier {
    const size = Buffer.byteLength(value);
    if (!['Standard', 'Advanced', 'Intelligent-Tiering'].includes(requested)) {
      throw new AwsServiceError('ValidationException', `1 validation error detected: Value '${requested}' at 'tier' failed to satisfy constraint: Member must satisfy enum value set: [Advanced, Intelligent-Tiering, Standard]`);
    }
    const tier: Tier = requested === 'Intelligent-Tiering'
      ? (size > TIER_LIMITS.Standard || existing?.tier === 'Advanced' ? 'Advanced' : 'Standard')
      : (requested as Tier);
    if (existing?.tier === 'Advanced' && tier === 'Standard') {
      throw new AwsServiceError('ValidationException', 'This parameter uses the advanced-parameter tier. You can\'t downgrade a parameter from the advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the advanced parameter and recreate it as a standard parameter.');
    }
    if (size > TIER_LIMITS[tier]) {
      throw new AwsServiceError('ValidationException', tier === 'Standard'
        ? `Standard tier parameters support a maximum parameter value of ${TIER_LIMITS.Standard} characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier.`
        : `Advanced tier parameters support a maximum parameter value of ${TIER_LIMITS.Advanced} characters.`);
    }
    return tier;
  }

  /** Reads DESCRIBE_PAGE parameters, then filters them: a page may hold fewer matches than asked for, or none, and still have a NextToken. */
  private describeParameters(input: Record<string, unknown>): unknown {
    if (input.Filters !== undefined && input.ParameterFilters !== undefined) {
      throw new AwsServiceError('ValidationException', 'You can use either Filters or ParameterFilters in a single request.');
    }
    const filters = (input.ParameterFilters as { Key: string; Option?: string; Values?: string[] }[] | undefined) ?? [];
    for (const filter of filters) {
      if (filter.Key !== 'Name' || (filter.Option ?? 'Equals') !== 'Equals') {
        throw new AwsServiceError('InvalidAction', `The sandbox's SSM filters DescribeParameters by Name Equals only, not ${filter.Key} ${filter.Option}`);
      }
    }
    const all = [...this.parameters.values()].sort((a, b) => a.name.localeCompare(b.name));
    const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
    const end = start + DESCRIBE_PAGE;
    const matches = all.slice(start, end).filter((parameter) => filters.every((filter) => (filter.Values ?? []).includes(parameter.name)));
    return {
      Parameters: matches.map((parameter) => ({ Name: parameter.name, Type: parameter.type, ...(parameter.keyId ? { KeyId: parameter.keyId } : {}), Tier: parameter.tier, Version: parameter.version, LastModifiedDate: epochSeconds(parameter.modifiedAt), ARN: this.arn(parameter.name), DataType: 'text' })),
      ...(end < all.length ? { NextToken: String(end) } : {}),
    };
  }

  private arn(name: string): string {
    return `arn:aws:ssm:${this.region}:${this.account.accountId}:parameter/${name.replace(/^\//, '')}`;
  }

  private byPath(path: string, recursive: boolean, maxResults: number, nextToken: string | undefined, withDecryption: boolean): unknown {
    const prefix = path.endsWith('/') ? path : `${path}/`;
    const matching = [...this.parameters.values()]
      .filter(({ name }) => name.startsWith(prefix) && (recursive || !name.slice(prefix.length).includes('/')))
      .sort((a, b) => a.name.localeCompare(b.name));
    const start = nextToken === undefined ? 0 : Number(nextToken);
    const end = start + Math.min(maxResults, PAGE);
    return {
      Parameters: matching.slice(start, end).map((parameter) => this.describe(parameter, withDecryption)),
      ...(end < matching.length ? { NextToken: String(end) } : {}),
    };
  }

  /** A SecureString read without WithDecryption comes back as its ciphertext, as from KMS. */
  private describe(parameter: StoredParameter, withDecryption = false) {
    const encrypted = parameter.type === 'SecureString' && !withDecryption;
    return {
      Name: parameter.name,
      Type: parameter.type,
      Value: encrypted ? Buffer.from(`sandbox-kms-ciphertext:${parameter.name}:${parameter.version}`).toString('base64') : parameter.value,
      Version: parameter.version,
      LastModifiedDate: epochSeconds(parameter.modifiedAt),
      ARN: this.arn(parameter.name),
      DataType: 'text',
    };
  }
}
