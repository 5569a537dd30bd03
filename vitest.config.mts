import { defineConfig, type Plugin } from 'vitest/config';

/** Loads the template and host files as strings, as esbuild's text loader does in the bundles. */
function textAssets(): Plugin {
  return {
    name: 'team-ide-text-assets',
    enforce: 'pre',
    transform(code, id) {
      if (/\.(yaml|sh)$/.test(id)) {
        return { code: `export default ${JSON.stringify(code)};`, map: null };
      }
      return undefined;
    },
  };
}

export default defineConfig({
  plugins: [textAssets()],
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    setupFiles: ['test/setup-env.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
