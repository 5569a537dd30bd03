// One fresh process = one Lambda cold start of the packaged slack-command bundle. Its AWS
// calls (the signing secret and the roster from SSM, the hand-off to the launcher) go over
// HTTP to the sandbox backend that scripts/bench.ts started, as they go to AWS in Lambda.
// Prints one JSON line: cold and warm timings in ms.
'use strict';
const t0 = performance.now();
const { createHmac } = require('node:crypto');
const path = require('node:path');

const signingSecret = process.env.BENCH_SIGNING_SECRET;

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
  // Three seats: the stored roster has three people, the ROSTER setting two, so only a roster read from SSM answers "On it".
  const first = await handler(signedEvent('start 3'), {});
  const cold = performance.now() - t0;
  // A 200 can carry an apology or a "try again": measure only the path that starts a run.
  if (first.statusCode !== 200 || !String(first.body).includes('On it: starting 3 IDEs')) throw new Error(`first invocation answered ${first.statusCode}: ${first.body}`);
  const warm = [];
  for (let i = 0; i < Number(process.argv[3] ?? 200); i++) {
    const event = signedEvent(i % 2 ? 'start 2 --size large' : 'status');
    const start = performance.now();
    const response = await handler(event, {});
    warm.push(performance.now() - start);
    if (response.statusCode !== 200 || !/On it|Looking up/.test(String(response.body))) {
      throw new Error(`invocation ${i} answered ${response.statusCode}: ${response.body}`);
    }
  }
  warm.sort((a, b) => a - b);
  process.stdout.write(`${JSON.stringify({ cold, warmMedian: warm[Math.floor(warm.length / 2)], warmP95: warm[Math.floor(warm.length * 0.95)] })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
