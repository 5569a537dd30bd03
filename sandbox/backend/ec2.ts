/**
 * The sandbox's EC2, the one endpoint every EC2 call reaches: the read-only calls setup and
 * the doctor make to find the default VPC and a public subnet, and the launcher's to find its
 * subnet's zone (DescribeVpcs, DescribeSubnets, DescribeRouteTables), answered here; the
 * functions' calls about the data volumes' snapshots (DescribeSnapshots, CreateTags,
 * DeleteSnapshot), handed to the sandbox's EBS (./ebs.ts). All in EC2's query dialect,
 * refusing what EC2 refuses: unknown ids and filters, MaxResults out of range or beside ids,
 * actions the caller may not use.
 */
import { authorize, type SandboxAccount, type SandboxRouteTable, type SandboxSubnet, type SandboxVpc } from './account';
import { AwsServiceError, ec2Filters, queryStringList } from './aws-protocols';
import type { SandboxEbs } from './ebs';

interface Listing<T> {
  /** The `<…Set>` element of the answer. */
  setName: string;
  idParameter: string;
  idPrefix: string;
  /** EC2's word in its NotFound message: "The vpc ID 'vpc-…' does not exist". */
  idWord: string;
  notFoundCode: string;
  malformedCode: string;
  maxResults: [number, number];
  items: T[];
  idOf: (item: T) => string;
  /** Filter name → the values the item matches. */
  filters: Record<string, (item: T) => string[]>;
  render: (item: T) => Record<string, unknown>;
}

export class SandboxEc2 {
  constructor(
    private readonly account: SandboxAccount,
    private readonly ebs: SandboxEbs,
  ) {}

  handle(action: string, form: URLSearchParams): Record<string, unknown> {
    authorize(this.account, `ec2:${action}`, (message) => new AwsServiceError('UnauthorizedOperation', `You are not authorized to perform this operation. ${message}`, 403));
    switch (action) {
      case 'DescribeVpcs':
        return this.list(form, this.vpcs());
      case 'DescribeSubnets':
        return this.list(form, this.subnets());
      case 'DescribeRouteTables':
        return this.list(form, this.routeTables());
      case 'DescribeSnapshots':
        return this.ebs.describeSnapshots(form);
      case 'CreateTags':
        return this.ebs.createTags(form);
      case 'DeleteSnapshot':
        return this.ebs.deleteSnapshot(form);
      default:
        throw new AwsServiceError(
          'InvalidAction',
          `The sandbox's EC2 emulates DescribeVpcs, DescribeSubnets, DescribeRouteTables, DescribeSnapshots, CreateTags and DeleteSnapshot, not ${action}`,
        );
    }
  }

  private list<T>(form: URLSearchParams, listing: Listing<T>): Record<string, unknown> {
    const ids = queryStringList(form, listing.idParameter, '.');
    const maxResults = form.get('MaxResults');
    if (maxResults !== null) {
      const [min, max] = listing.maxResults;
      if (ids.length > 0) throw new AwsServiceError('InvalidParameterCombination', `The parameter ${listing.idParameter}s cannot be used with the parameter maxResults`);
      if (!/^\d+$/.test(maxResults) || Number(maxResults) < min || Number(maxResults) > max) {
        throw new AwsServiceError('InvalidParameterValue', `Value ( ${maxResults} ) for parameter maxResults is invalid. Expecting a value between ${min} and ${max}.`);
      }
    }
    for (const id of ids) {
      if (!new RegExp(`^${listing.idPrefix}-[0-9a-f]{8}([0-9a-f]{9})?$`).test(id)) throw new AwsServiceError(listing.malformedCode, `Invalid id: "${id}" (expecting "${listing.idPrefix}-...")`);
      if (!listing.items.some((item) => listing.idOf(item) === id)) throw new AwsServiceError(listing.notFoundCode, `The ${listing.idWord} ID '${id}' does not exist`);
    }
    const filters = ec2Filters(form);
    for (const filter of filters) {
      if (!listing.filters[filter.name]) throw new AwsServiceError('InvalidParameterValue', `The filter '${filter.name}' is invalid`);
    }
    const matching = listing.items.filter(
      (item) =>
        (ids.length === 0 || ids.includes(listing.idOf(item))) &&
        filters.every((filter) => (listing.filters[filter.name] as (item: T) => string[])(item).some((value) => filter.values.includes(value))),
    );
    const start = Number(form.get('NextToken') ?? 0);
    const end = maxResults === null ? matching.length : start + Number(maxResults);
    return {
      [listing.setName]: matching.slice(start, end).map(listing.render),
      ...(end < matching.length ? { nextToken: String(end) } : {}),
    };
  }

  private vpcs(): Listing<SandboxVpc> {
    return {
      setName: 'vpcSet',
      idParameter: 'VpcId',
      idPrefix: 'vpc',
      idWord: 'vpc',
      notFoundCode: 'InvalidVpcID.NotFound',
      malformedCode: 'InvalidVpcID.Malformed',
      maxResults: [5, 1000],
      items: this.account.vpcs,
      idOf: (vpc) => vpc.vpcId,
      filters: { 'vpc-id': (vpc) => [vpc.vpcId], 'is-default': (vpc) => [String(vpc.isDefault)], state: () => ['available'] },
      render: (vpc) => ({
        vpcId: vpc.vpcId,
        ownerId: this.account.accountId,
        state: 'available',
        cidrBlock: vpc.cidrBlock,
        instanceTenancy: 'default',
        isDefault: vpc.isDefault,
      }),
    };
  }

  private subnets(): Listing<SandboxSubnet> {
    return {
      setName: 'subnetSet',
      idParameter: 'SubnetId',
      idPrefix: 'subnet',
      idWord: 'subnet',
      notFoundCode: 'InvalidSubnetID.NotFound',
      malformedCode: 'InvalidSubnetID.Malformed',
      maxResults: [5, 1000],
      items: this.account.subnets,
      idOf: (subnet) => subnet.subnetId,
      filters: {
        'subnet-id': (subnet) => [subnet.subnetId],
        'vpc-id': (subnet) => [subnet.vpcId],
        'availability-zone': (subnet) => [subnet.availabilityZone],
        'default-for-az': (subnet) => [String(subnet.defaultForAz)],
        state: () => ['available'],
      },
      render: (subnet) => ({
        subnetId: subnet.subnetId,
        subnetArn: `arn:aws:ec2:${subnet.availabilityZone.slice(0, -1)}:${this.account.accountId}:subnet/${subnet.subnetId}`,
        state: 'available',
        ownerId: this.account.accountId,
        vpcId: subnet.vpcId,
        cidrBlock: subnet.cidrBlock,
        availableIpAddressCount: 4091,
        availabilityZone: subnet.availabilityZone,
        defaultForAz: subnet.defaultForAz,
        mapPublicIpOnLaunch: subnet.mapPublicIpOnLaunch,
      }),
    };
  }

  private routeTables(): Listing<SandboxRouteTable> {
    return {
      setName: 'routeTableSet',
      idParameter: 'RouteTableId',
      idPrefix: 'rtb',
      idWord: 'routeTable',
      notFoundCode: 'InvalidRouteTableID.NotFound',
      malformedCode: 'InvalidRouteTableId.Malformed',
      maxResults: [5, 100],
      items: this.account.routeTables,
      idOf: (table) => table.routeTableId,
      filters: {
        'route-table-id': (table) => [table.routeTableId],
        'vpc-id': (table) => [table.vpcId],
        'association.subnet-id': (table) => table.subnetIds,
        'association.main': (table) => [String(table.main)],
      },
      render: (table) => ({
        routeTableId: table.routeTableId,
        vpcId: table.vpcId,
        ownerId: this.account.accountId,
        routeSet: table.routes.map((route) => ({
          destinationCidrBlock: route.destinationCidrBlock,
          gatewayId: route.gatewayId,
          natGatewayId: route.natGatewayId,
          state: route.state,
          origin: route.gatewayId === 'local' ? 'CreateRouteTable' : 'CreateRoute',
        })),
        associationSet: [
          ...(table.main ? [{ routeTableAssociationId: `${table.routeTableId.replace('rtb-', 'rtbassoc-')}`, routeTableId: table.routeTableId, main: true, associationState: { state: 'associated' } }] : []),
          ...table.subnetIds.map((subnetId, index) => ({
            routeTableAssociationId: `rtbassoc-${index}${table.routeTableId.slice(5, 20)}`,
            routeTableId: table.routeTableId,
            subnetId,
            main: false,
            associationState: { state: 'associated' },
          })),
        ],
      }),
    };
  }
}
