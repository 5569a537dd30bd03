// The template and the host files are bundled as text (esbuild's text loader,
// and the plugin in vitest.config.mts for tests).
declare module '*.yaml' {
  const text: string;
  export default text;
}
declare module '*.sh' {
  const text: string;
  export default text;
}
