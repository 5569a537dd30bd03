// esbuild plugins for the Lambda bundles (serverless.yml custom.esbuild.plugins).
'use strict';

const { decode, encode } = require('@jridgewell/sourcemap-codec');
const fs = require('node:fs');
const path = require('node:path');

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

/**
 * The bundles ship source maps so that an error logs where it happened in our code
 * (NODE_OPTIONS=--enable-source-maps). Most of a bundle is libraries (zod alone is over half of
 * the notifier), whose positions nobody looks up: their segments are dropped from each map,
 * which keeps every zip near its size without maps. A frame in a library still shows its
 * place in the bundle.
 */
const ownCodeSourceMaps = {
  name: 'own-code-source-maps',
  setup(build) {
    if (!build.initialOptions.sourcemap) return;
    build.initialOptions.metafile = true;
    build.onEnd((result) => {
      const root = build.initialOptions.absWorkingDir ?? process.cwd();
      for (const output of Object.keys(result.metafile?.outputs ?? {}).filter((file) => file.endsWith('.map'))) {
        const file = path.resolve(root, output);
        fs.writeFileSync(file, JSON.stringify(ownCodeOnly(JSON.parse(fs.readFileSync(file, 'utf8')))));
      }
    });
  },
};

/** The map with the segments that point into node_modules removed, and the names only they used. */
function ownCodeOnly(map) {
  const library = map.sources.map((source) => /(^|[\\/])node_modules[\\/]/.test(source));
  const lines = decode(map.mappings).map((segments) => segments.filter((segment) => segment.length === 1 || !library[segment[1]]));
  const names = [];
  const renamed = new Map();
  for (const segment of lines.flat()) {
    if (segment.length !== 5) continue;
    if (!renamed.has(segment[4])) renamed.set(segment[4], names.push(map.names[segment[4]]) - 1);
    segment[4] = renamed.get(segment[4]);
  }
  return { ...map, mappings: encode(lines), names };
}

module.exports = [boltLambdaOnly, ownCodeSourceMaps];
