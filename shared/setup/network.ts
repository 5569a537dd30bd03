import {
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  type EC2Client,
  paginateDescribeRouteTables,
  paginateDescribeSubnets,
  type RouteTable,
  type Subnet,
} from '@aws-sdk/client-ec2';
import { describeAwsError, fail, type Finding, isAccessDenied, pass } from './findings';

/** A subnet and whether the host would reach the internet from it (its public IP is of no use otherwise). */
export interface SubnetFacts {
  subnetId: string;
  vpcId: string;
  availabilityZone: string;
  /** The route table the subnet uses: its own association, or else the VPC's main table. */
  routeTableId: string | undefined;
  /** The internet gateway its default route goes to, when it has one. */
  internetGatewayId: string | undefined;
}

const CHECK = 'Network';

const ACCESS_FIX = 'use credentials allowed ec2:DescribeVpcs, ec2:DescribeSubnets and ec2:DescribeRouteTables, or pass --vpc-id and --subnet-id.';

/** The region's default VPC, if it still has one. */
export async function findDefaultVpc(ec2: EC2Client): Promise<string | undefined> {
  const { Vpcs } = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }));
  return Vpcs?.[0]?.VpcId;
}

/**
 * The VPC's subnets with the route each would use. A subnet without an association of its
 * own uses the VPC's main route table: that is where the internet gateway route is then.
 */
export async function describeVpcSubnets(ec2: EC2Client, vpcId: string): Promise<SubnetFacts[]> {
  const subnets: Subnet[] = [];
  for await (const page of paginateDescribeSubnets({ client: ec2 }, { Filters: [{ Name: 'vpc-id', Values: [vpcId] }] })) subnets.push(...(page.Subnets ?? []));
  const tables: RouteTable[] = [];
  for await (const page of paginateDescribeRouteTables({ client: ec2 }, { Filters: [{ Name: 'vpc-id', Values: [vpcId] }] })) tables.push(...(page.RouteTables ?? []));
  const main = tables.find((table) => table.Associations?.some((association) => association.Main));
  return subnets
    .map((subnet) => {
      const own = tables.find((table) => table.Associations?.some((association) => association.SubnetId === subnet.SubnetId));
      const table = own ?? main;
      const defaultRoute = table?.Routes?.find((route) => route.DestinationCidrBlock === '0.0.0.0/0' && route.State === 'active' && route.GatewayId?.startsWith('igw-'));
      return {
        subnetId: subnet.SubnetId ?? '',
        vpcId,
        availabilityZone: subnet.AvailabilityZone ?? '',
        routeTableId: table?.RouteTableId,
        internetGatewayId: defaultRoute?.GatewayId,
      };
    })
    .sort((a, b) => a.availabilityZone.localeCompare(b.availabilityZone) || a.subnetId.localeCompare(b.subnetId));
}

/** The VPC to use (given, or the default one) and its public subnets, first availability zone first. */
export async function findPublicSubnets(ec2: EC2Client, vpcId: string | undefined): Promise<{ vpcId: string; subnets: SubnetFacts[] } | Finding> {
  try {
    const vpc = vpcId ?? (await findDefaultVpc(ec2));
    if (!vpc) {
      return fail(
        CHECK,
        'this region has no default VPC.',
        'create one (VPC console → Your VPCs → Actions → Create default VPC), or pass --vpc-id and --subnet-id of a VPC with a public subnet (a route 0.0.0.0/0 to an internet gateway).',
      );
    }
    const subnets = (await describeVpcSubnets(ec2, vpc)).filter((subnet) => subnet.internetGatewayId);
    if (subnets.length === 0) {
      return fail(
        CHECK,
        `${vpc} has no public subnet: none routes 0.0.0.0/0 to an internet gateway, so the host could not be reached.`,
        `attach an internet gateway to ${vpc} and add the route 0.0.0.0/0 → igw-… to a subnet's route table (VPC console → Route tables), or pass --vpc-id and --subnet-id of another VPC.`,
      );
    }
    return { vpcId: vpc, subnets };
  } catch (error) {
    if (isAccessDenied(error)) return fail(CHECK, `cannot look at the VPCs (${describeAwsError(error)}).`, ACCESS_FIX);
    throw error;
  }
}

/** VPC_ID and SUBNET_ID checked: the subnet exists, lies in the VPC, and routes to an internet gateway. */
export async function checkSubnet(ec2: EC2Client, vpcId: string, subnetId: string): Promise<Finding> {
  try {
    const { Subnets } = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnetId] })).catch((error: unknown) => {
      if ((error as { name?: string }).name === 'InvalidSubnetID.NotFound') return { Subnets: [] };
      throw error;
    });
    const subnet = Subnets?.[0];
    if (!subnet) return fail(CHECK, `SUBNET_ID ${subnetId} does not exist in this region.`, 'set SUBNET_ID to a public subnet of VPC_ID (`npm run setup` finds one).');
    if (subnet.VpcId !== vpcId) return fail(CHECK, `SUBNET_ID ${subnetId} is in ${subnet.VpcId}, not in VPC_ID ${vpcId}.`, `set VPC_ID to ${subnet.VpcId}, or SUBNET_ID to a public subnet of ${vpcId}.`);
    const facts = (await describeVpcSubnets(ec2, vpcId)).find((candidate) => candidate.subnetId === subnetId);
    if (!facts?.internetGatewayId) {
      return fail(
        CHECK,
        `${subnetId} has no route to an internet gateway (route table ${facts?.routeTableId ?? 'none'}), so nobody could reach the host.`,
        `add the route 0.0.0.0/0 → igw-… to ${facts?.routeTableId ?? 'its route table'}, or set SUBNET_ID to a public subnet (\`npm run setup\` finds one).`,
      );
    }
    return pass(CHECK, `${subnetId} (${facts.availabilityZone}, ${vpcId}) routes to ${facts.internetGatewayId}.`);
  } catch (error) {
    if (isAccessDenied(error)) return fail(CHECK, `cannot look at ${subnetId} (${describeAwsError(error)}).`, ACCESS_FIX);
    throw error;
  }
}
