'use strict';
/**
 * A local serverless plugin (serverless.yml `plugins:`): right after `serverless deploy`,
 * runs the certificate function once and prints what it did, so a first deployment has its
 * certificate before the first `/ide start` instead of after the next daily run. The daily
 * schedule does the rest. A failure is printed (the channel hears of it too) but does not
 * fail the deploy, which has already succeeded; `npx serverless invoke -f certificate`
 * runs the function again by hand.
 *
 * Chosen over a CloudFormation custom resource: no response protocol to speak, no stack
 * held for minutes by a CA, and no rollback of the whole deployment when the CA says no.
 */
const { InvokeCommand, LambdaClient } = require('@aws-sdk/client-lambda');

const FUNCTION_KEY = 'certificate';

/** One line (or two) for the deploy's output, from what the function returned. */
function describeOutcome(outcome) {
  switch (outcome?.action) {
    case 'renewed':
      return { level: 'success', text: `TLS certificate for ${outcome.names.join(', ')} issued, valid until ${outcome.notAfter} (${outcome.reason})` };
    case 'kept':
      return { level: 'notice', text: `TLS certificate for ${outcome.names.join(', ')} is valid until ${outcome.notAfter}: nothing to renew` };
    case 'warned':
      return { level: 'warning', text: `TLS certificate kept by hand (TLS_CERTIFICATE=own) needs attention: ${outcome.problem}; the channel was told what to do` };
    case 'busy':
      return { level: 'notice', text: 'Another run of the certificate function is renewing the TLS certificate right now (a roster add or the daily schedule started it); that run stores it' };
    case 'failed':
      return { level: 'warning', text: `TLS certificate could not be renewed (${outcome.step}): ${outcome.message}${outcome.hint ? `\n${outcome.hint}` : ''}` };
    default:
      return { level: 'warning', text: `the certificate function answered ${JSON.stringify(outcome)}` };
  }
}

class CertificateAfterDeploy {
  constructor(serverless, _options, { log }) {
    this.serverless = serverless;
    this.log = log;
    this.hooks = { 'after:deploy:deploy': () => this.runCertificateFunction() };
  }

  async runCertificateFunction() {
    const functionName = this.serverless.service.getFunction(FUNCTION_KEY).name;
    const client = new LambdaClient(await this.serverless.getProvider('aws').getAwsSdkV3Config());
    this.log.notice(`Running ${functionName} once (it then runs daily)…`);
    let response;
    try {
      response = await client.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse' }));
    } catch (error) {
      this.log.warning(`Could not run ${functionName}: ${error.message}. Run it with \`npx serverless invoke -f ${FUNCTION_KEY}\`; otherwise it runs within a day.`);
      return;
    }
    const payload = response.Payload ? JSON.parse(Buffer.from(response.Payload).toString('utf8') || 'null') : null;
    if (response.FunctionError) {
      this.log.warning(`${functionName} failed: ${payload?.errorMessage ?? response.FunctionError}. Its CloudWatch log says more.`);
      return;
    }
    const { level, text } = describeOutcome(payload);
    this.log[level](text);
  }
}

module.exports = CertificateAfterDeploy;
module.exports.describeOutcome = describeOutcome;
