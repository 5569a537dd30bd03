/**
 * What the sandbox's AWS account holds besides what the functions create: the network,
 * the hosted zones, the SES identities and the caller, which `npm run setup` and
 * `npm run doctor` read. The default matches .env.sandbox, so the doctor passes against
 * `npm start`; tests describe accounts with something wrong in them.
 */

export interface SandboxVpc {
  vpcId: string;
  cidrBlock: string;
  isDefault: boolean;
}

export interface SandboxSubnet {
  subnetId: string;
  vpcId: string;
  availabilityZone: string;
  cidrBlock: string;
  defaultForAz: boolean;
  mapPublicIpOnLaunch: boolean;
}

export interface SandboxRoute {
  destinationCidrBlock: string;
  /** `local`, `igw-…` or a virtual private gateway; absent for NAT and other targets. */
  gatewayId?: string;
  natGatewayId?: string;
  /** `blackhole` when the target was deleted. */
  state: 'active' | 'blackhole';
}

export interface SandboxRouteTable {
  routeTableId: string;
  vpcId: string;
  /** The VPC's main route table: subnets without an association of their own use it. */
  main: boolean;
  subnetIds: string[];
  routes: SandboxRoute[];
}

export interface SandboxHostedZone {
  /** Without the `/hostedzone/` prefix. */
  id: string;
  /** As created; answered with a trailing dot. */
  name: string;
  privateZone: boolean;
  /** The NS records Route 53 gave a public zone. */
  nameServers?: string[];
}

/** SES verification status as GetIdentityVerificationAttributes answers it. */
export type SesVerificationStatus = 'Pending' | 'Success' | 'Failed' | 'TemporaryFailure' | 'NotStarted';

export interface SandboxSesAccount {
  /** Email addresses and domains, with their status. */
  identities: Record<string, SesVerificationStatus>;
  /** False: the account is in the SES sandbox (every recipient must be verified too). */
  productionAccessEnabled: boolean;
  sendingEnabled: boolean;
  max24HourSend: number;
  maxSendRate: number;
  sentLast24Hours: number;
}

export interface SandboxAccount {
  accountId: string;
  /** Who the credentials belong to (STS GetCallerIdentity). */
  callerArn: string;
  vpcs: SandboxVpc[];
  subnets: SandboxSubnet[];
  routeTables: SandboxRouteTable[];
  hostedZones: SandboxHostedZone[];
  ses: SandboxSesAccount;
  /**
   * IAM actions the caller may not use (`ec2:DescribeRouteTables`…): the call is refused as
   * that service refuses it (EC2's UnauthorizedOperation, others' AccessDenied).
   */
  deniedActions: string[];
}

/** The account `npm start` runs in: the VPC, subnet, zone and sender of .env.sandbox, all in order. */
export function defaultSandboxAccount(accountId: string): SandboxAccount {
  return {
    accountId,
    callerArn: `arn:aws:iam::${accountId}:user/sandbox-deployer`,
    vpcs: [{ vpcId: 'vpc-0123456789abcdef0', cidrBlock: '172.31.0.0/16', isDefault: true }],
    subnets: [
      { subnetId: 'subnet-0123456789abcdef0', vpcId: 'vpc-0123456789abcdef0', availabilityZone: 'eu-west-1a', cidrBlock: '172.31.0.0/20', defaultForAz: true, mapPublicIpOnLaunch: true },
      { subnetId: 'subnet-0123456789abcdef1', vpcId: 'vpc-0123456789abcdef0', availabilityZone: 'eu-west-1b', cidrBlock: '172.31.16.0/20', defaultForAz: true, mapPublicIpOnLaunch: true },
    ],
    routeTables: [
      {
        routeTableId: 'rtb-0123456789abcdef0',
        vpcId: 'vpc-0123456789abcdef0',
        main: true,
        subnetIds: [],
        routes: [
          { destinationCidrBlock: '172.31.0.0/16', gatewayId: 'local', state: 'active' },
          { destinationCidrBlock: '0.0.0.0/0', gatewayId: 'igw-0123456789abcdef0', state: 'active' },
        ],
      },
    ],
    hostedZones: [{ id: 'Z0SANDBOX0000000000', name: 'example.com', privateZone: false, nameServers: ['ns-1.awsdns-01.org', 'ns-2.awsdns-02.co.uk'] }],
    ses: {
      identities: { 'example.com': 'Success' },
      productionAccessEnabled: true,
      sendingEnabled: true,
      max24HourSend: 50_000,
      maxSendRate: 14,
      sentLast24Hours: 0,
    },
    deniedActions: [],
  };
}

/**
 * IAM's words refusing `action` (`ec2:DescribeVpcs`) to the account's caller, on `resource`
 * when the policy names resources; each service wraps them in its own error code.
 */
export function notAuthorized(account: Pick<SandboxAccount, 'callerArn'>, action: string, resource?: string): string {
  return `User: ${account.callerArn} is not authorized to perform: ${action}${resource === undefined ? '' : ` on resource: ${resource}`} because no identity-based policy allows the ${action} action`;
}

/** Throws `refuse(IAM's words)` when the account's caller may not use `action` (account.deniedActions). */
export function authorize(account: Pick<SandboxAccount, 'callerArn' | 'deniedActions'>, action: string, refuse: (message: string) => Error): void {
  if (account.deniedActions.includes(action)) throw refuse(notAuthorized(account, action));
}
