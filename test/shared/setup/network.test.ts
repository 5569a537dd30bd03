import { afterEach, describe, expect, it } from 'vitest';
import type { SandboxAccount } from '../../../sandbox/backend/account';
import { checkSubnet, findPublicSubnets } from '../../../shared/setup/network';
import { type SetupBackend, startSetupBackend } from '../../helpers/setup-backend';

const VPC = 'vpc-0123456789abcdef0';
const PUBLIC_A = 'subnet-0123456789abcdef0';
const PUBLIC_B = 'subnet-0123456789abcdef1';
const PRIVATE = 'subnet-0123456789abcdef2';

/** The default VPC: two subnets on the main route table (to an internet gateway), one with its own table without one. */
function withPrivateSubnet(account: SandboxAccount): void {
  account.subnets.push({ subnetId: PRIVATE, vpcId: VPC, availabilityZone: 'eu-west-1a', cidrBlock: '172.31.32.0/20', defaultForAz: false, mapPublicIpOnLaunch: false });
  account.routeTables.push({
    routeTableId: 'rtb-0123456789abcdef1',
    vpcId: VPC,
    main: false,
    subnetIds: [PRIVATE],
    routes: [
      { destinationCidrBlock: '172.31.0.0/16', gatewayId: 'local', state: 'active' },
      { destinationCidrBlock: '0.0.0.0/0', natGatewayId: 'nat-0123456789abcdef0', state: 'active' },
    ],
  });
}

describe('the network of the host', () => {
  let setup: SetupBackend;

  afterEach(async () => {
    await setup.close();
  });

  describe('findPublicSubnets', () => {
    it('finds the default VPC and its subnets that use the main route table\'s internet gateway, first zone first', async () => {
      setup = await startSetupBackend({ account: withPrivateSubnet });

      const found = await findPublicSubnets(setup.clients.ec2, undefined);

      expect(found).toEqual({
        vpcId: VPC,
        subnets: [
          { subnetId: PUBLIC_A, vpcId: VPC, availabilityZone: 'eu-west-1a', routeTableId: 'rtb-0123456789abcdef0', internetGatewayId: 'igw-0123456789abcdef0' },
          { subnetId: PUBLIC_B, vpcId: VPC, availabilityZone: 'eu-west-1b', routeTableId: 'rtb-0123456789abcdef0', internetGatewayId: 'igw-0123456789abcdef0' },
        ],
      });
    });

    it('says what to create when the region has no default VPC', async () => {
      setup = await startSetupBackend({ account: (account) => void (account.vpcs[0]!.isDefault = false) });

      expect(await findPublicSubnets(setup.clients.ec2, undefined)).toMatchObject({ ok: false, detail: 'this region has no default VPC.', fix: expect.stringContaining('Create default VPC') });
    });

    it('says what to add when no subnet routes to an internet gateway', async () => {
      setup = await startSetupBackend({ account: (account) => void (account.routeTables[0]!.routes = account.routeTables[0]!.routes.filter((route) => route.gatewayId === 'local')) });

      expect(await findPublicSubnets(setup.clients.ec2, undefined)).toMatchObject({ ok: false, fix: expect.stringContaining('add the route 0.0.0.0/0 → igw-…') });
    });

    it('names the missing permission when EC2 answers UnauthorizedOperation', async () => {
      setup = await startSetupBackend({ account: (account) => void account.deniedActions.push('ec2:DescribeRouteTables') });

      expect(await findPublicSubnets(setup.clients.ec2, undefined)).toMatchObject({ ok: false, detail: expect.stringContaining('UnauthorizedOperation'), fix: expect.stringContaining('or pass --vpc-id and --subnet-id') });
    });
  });

  describe('checkSubnet', () => {
    it('passes a subnet without its own route table when the main one routes to an internet gateway', async () => {
      setup = await startSetupBackend({ account: withPrivateSubnet });

      expect(await checkSubnet(setup.clients.ec2, VPC, PUBLIC_B)).toEqual({ ok: true, check: 'Network', detail: `${PUBLIC_B} (eu-west-1b, ${VPC}) routes to igw-0123456789abcdef0.` });
    });

    it('fails a subnet without a route to an internet gateway, naming its route table', async () => {
      setup = await startSetupBackend({ account: withPrivateSubnet });

      const finding = await checkSubnet(setup.clients.ec2, VPC, PRIVATE);

      expect(finding).toMatchObject({ ok: false, detail: `${PRIVATE} has no route to an internet gateway (route table rtb-0123456789abcdef1), so nobody could reach the host.` });
      expect(finding.fix).toContain('add the route 0.0.0.0/0 → igw-… to rtb-0123456789abcdef1');
    });

    it('fails a subnet of another VPC', async () => {
      setup = await startSetupBackend({
        account: (account) => {
          account.vpcs.push({ vpcId: 'vpc-0123456789abcdef9', cidrBlock: '10.0.0.0/16', isDefault: false });
          account.subnets.push({ subnetId: 'subnet-0123456789abcdef9', vpcId: 'vpc-0123456789abcdef9', availabilityZone: 'eu-west-1c', cidrBlock: '10.0.0.0/24', defaultForAz: false, mapPublicIpOnLaunch: false });
        },
      });

      expect(await checkSubnet(setup.clients.ec2, VPC, 'subnet-0123456789abcdef9')).toMatchObject({ ok: false, detail: `SUBNET_ID subnet-0123456789abcdef9 is in vpc-0123456789abcdef9, not in VPC_ID ${VPC}.` });
    });

    it('fails a subnet id that does not exist', async () => {
      setup = await startSetupBackend();

      expect(await checkSubnet(setup.clients.ec2, VPC, 'subnet-0123456789abcdeff')).toMatchObject({ ok: false, detail: 'SUBNET_ID subnet-0123456789abcdeff does not exist in this region.' });
    });
  });
});
