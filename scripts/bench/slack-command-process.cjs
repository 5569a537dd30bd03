// One fresh process = one Lambda cold start of the packaged slack-command bundle, with
// AWS faked by aws-sdk-client-mock. Prints one JSON line: cold and warm timings in ms.
'use strict';
const t0 = performance.now();
const { createHmac } = require('node:crypto');
const path = require('node:path');
const { mockClient } = require('aws-sdk-client-mock');
const { SSMClient, GetParametersCommand, GetParameterCommand, ParameterNotFound } = require('@aws-sdk/client-ssm');
const { LambdaClient, InvokeCommand } = require('@aws-sdk/client-lambda');

const signingSecret = 'bench-signing-secret';
const ssm = mockClient(SSMClient);
ssm.on(GetParametersCommand).resolves({
  Parameters: [
    { Name: process.env.SLACK_SIGNING_SECRET_PARAMETER, Value: signingSecret },
    { Name: process.env.SLACK_BOT_TOKEN_PARAMETER, Value: 'xoxb-bench' },
  ],
});
// No `/ide roster` change yet, as after a first deploy: the roster is the ROSTER setting.
ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: '', $metadata: {} }));
mockClient(LambdaClient).on(InvokeCommand).resolves({ StatusCode: 202 });

function signedEvent(text) {
  const body = new URLSearchParams({
    team_id: 'T0000TEAM', channel_id: 'C0000TEAM', user_id: 'U0000LEAD', user_name: 'lead', command: '/ide', text,
    response_url: 'https://hooks.slack.com/commands/T0000TEAM/1/abc', trigger_id: '1.2.3',
  }).toString();
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return {
    version: '2.0', routeKey: 'POST /slack/commands', rawPath: '/slack/commands', rawQueryString: '', isBase64Encoded: false, body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature },
    requestContext: { http: { method: 'POST', path: '/slack/commands' } },
  };
}

async function main() {
  const { handler } = require(path.resolve(process.argv[2]));
  const first = await handler(signedEvent('start 2'), {});
  const cold = performance.now() - t0;
  // A 200 can carry an apology: measure only the path that starts a run.
  if (first.statusCode !== 200 || !String(first.body).includes('On it')) throw new Error(`first invocation answered ${first.statusCode}: ${first.body}`);
  const warm = [];
  for (let i = 0; i < Number(process.argv[3] ?? 200); i++) {
    const event = signedEvent(i % 2 ? 'start 2 --size large' : 'status');
    const start = performance.now();
    const response = await handler(event, {});
    warm.push(performance.now() - start);
    if (response.statusCode !== 200) throw new Error(`invocation ${i} answered ${response.statusCode}`);
  }
  warm.sort((a, b) => a - b);
  process.stdout.write(`${JSON.stringify({ cold, warmMedian: warm[Math.floor(warm.length / 2)], warmP95: warm[Math.floor(warm.length * 0.95)] })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
