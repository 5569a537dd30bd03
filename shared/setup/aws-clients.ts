import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { SESClient } from '@aws-sdk/client-ses';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { STSClient } from '@aws-sdk/client-sts';
import type { WebClient } from '@slack/web-api';

/** The clients setup and the doctor talk through: AWS in the stage's region, and Slack. */
export interface SetupClients {
  sts: STSClient;
  cloudFormation: CloudFormationClient;
  ssm: SSMClient;
  ses: SESClient;
  sesv2: SESv2Client;
  route53: Route53Client;
  ec2: EC2Client;
  /** A Slack Web API client for a token (the bot token, or an app configuration token's calls pass it per call). */
  slack: (token?: string) => WebClient;
  /** For the signed requests to the deployed endpoints. */
  fetch: typeof fetch;
}
