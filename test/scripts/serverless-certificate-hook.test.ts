import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createRequire } from 'node:module';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';

const lambda = mockClient(LambdaClient);
const requirePlugin = createRequire(__filename);
const Plugin = requirePlugin(path.resolve(__dirname, '../../scripts/serverless-certificate-hook.cjs')) as new (
  serverless: unknown,
  options: unknown,
  utils: { log: Record<string, (text: string) => void> },
) => { hooks: Record<string, () => Promise<void>> };

/** The plugin inside a fake serverless: the function's deployed name, a provider config, a log that keeps its lines. */
function setup() {
  const lines: { level: string; text: string }[] = [];
  const log = Object.fromEntries(['notice', 'success', 'warning', 'error'].map((level) => [level, (text: string) => lines.push({ level, text })]));
  const serverless = {
    service: { getFunction: (key: string) => ({ name: `team-ide-dev-${key}` }) },
    getProvider: () => ({ getAwsSdkV3Config: async () => ({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake' } }) }),
  };
  const plugin = new Plugin(serverless, {}, { log });
  return { lines, afterDeploy: () => plugin.hooks['after:deploy:deploy']?.() };
}

const payload = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)) as never;

describe('the after-deploy certificate hook', () => {
  beforeEach(() => lambda.reset());

  it('runs the certificate function once, waiting for it, and prints the certificate it got', async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ action: 'renewed', names: ['*.code.example.com', 'code.example.com'], notAfter: '2027-03-01T00:00:00.000Z', reason: 'there is no certificate yet' }) });
    const { lines, afterDeploy } = setup();

    // Act
    await afterDeploy();

    // Assess
    expect(lambda).toHaveReceivedCommandWith(InvokeCommand, { FunctionName: 'team-ide-dev-certificate', InvocationType: 'RequestResponse' });
    expect(lines.at(-1)).toEqual({ level: 'success', text: 'TLS certificate for *.code.example.com, code.example.com issued, valid until 2027-03-01T00:00:00.000Z (there is no certificate yet)' });
  });

  it('prints a failed renewal with its hint, without failing the deploy', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ action: 'failed', step: 'hosted-zone', message: 'Hosted zone Z1 is example.org, which does not hold code.example.com', hint: 'Set HOSTED_ZONE_ID to the hosted zone of code.example.com.' }) });
    const { lines, afterDeploy } = setup();

    await expect(afterDeploy()).resolves.toBeUndefined();

    expect(lines.at(-1)).toEqual({ level: 'warning', text: 'TLS certificate could not be renewed (hosted-zone): Hosted zone Z1 is example.org, which does not hold code.example.com\nSet HOSTED_ZONE_ID to the hosted zone of code.example.com.' });
  });

  it('says another run is renewing when it meets one (a roster add started it a moment before)', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ action: 'busy' }) });
    const { lines, afterDeploy } = setup();

    await afterDeploy();

    expect(lines.at(-1)).toEqual({ level: 'notice', text: 'Another run of the certificate function is renewing the TLS certificate right now (a roster add or the daily schedule started it); that run stores it' });
  });

  it('says how to run it by hand when the invoke itself fails', async () => {
    lambda.on(InvokeCommand).rejects(new Error('User is not authorized to perform: lambda:InvokeFunction'));
    const { lines, afterDeploy } = setup();

    await afterDeploy();

    expect(lines.at(-1)?.text).toContain('npx serverless invoke -f certificate');
  });

  it('reports an error the function threw', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: 'Unhandled', Payload: payload({ errorMessage: 'team-ide is misconfigured: CERTIFICATE_CHANNEL must be a Slack channel id' }) });
    const { lines, afterDeploy } = setup();

    await afterDeploy();

    expect(lines.at(-1)).toEqual({ level: 'warning', text: expect.stringContaining('failed: team-ide is misconfigured: CERTIFICATE_CHANNEL') });
  });
});
