// esbuild plugins for the Lambda bundles (serverless.yml custom.esbuild.plugins).
'use strict';

/**
 * Bolt's entry point loads every receiver it ships, with Express, the Socket Mode client
 * (undici, ws) and OAuth behind them: about 1.2 MB of code slack-command never runs,
 * since it receives Slack through AwsLambdaReceiver only. They are replaced by stubs
 * that throw if anything ever constructs them, which keeps the zip under 600 KB.
 */
const UNUSED_BOLT_RECEIVERS = /[\\/]@slack[\\/]bolt[\\/]dist[\\/]receivers[\\/](ExpressReceiver|HTTPReceiver|SocketModeReceiver)\.js$/;

const boltLambdaOnly = {
  name: 'bolt-lambda-only',
  setup(build) {
    build.onLoad({ filter: UNUSED_BOLT_RECEIVERS }, (args) => {
      const receiver = args.path.match(UNUSED_BOLT_RECEIVERS)[1];
      return {
        contents: `"use strict";
class ${receiver} { constructor() { throw new Error('${receiver} is not bundled: team-ide receives Slack through AwsLambdaReceiver'); } }
exports.default = ${receiver};`,
        loader: 'js',
      };
    });
  },
};

module.exports = [boltLambdaOnly];
