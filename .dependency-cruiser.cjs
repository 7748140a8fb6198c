// The layer directions of gridlake, checked by dependency-cruiser
// (test/unit/architecture.test.ts runs it; `npx depcruise src controllers`
// shows the same from a shell). docs/architecture.md explains the layers.
//
//   src/cli/ (composition root) ──► controllers/ ──► src/k8s/
//        │                                │
//        └──► src/embedded/ ──► domains: src/api src/sources src/bus src/lake src/join
//                                          (plain TypeScript and their adapters)
//   src/observe/, src/errors.ts, src/config.ts, src/clock.ts, src/kst.ts: used by every layer
//
// A rule names what may not be imported; everything else is allowed.

/** The data path: it must not know how it is started or whether a cluster exists. */
const DOMAINS = '^src/(api|sources|bus|lake|join)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-not-cluster',
      comment: 'The data path runs the same with and without a cluster: it must not import src/k8s or controllers/.',
      severity: 'error',
      from: { path: DOMAINS },
      to: { path: '^(src/k8s/|controllers/)' },
    },
    {
      name: 'domain-not-wiring',
      comment: 'Commands and process wiring live in src/cli/; the domains are used by it, never the other way round.',
      severity: 'error',
      from: { path: DOMAINS },
      to: { path: '^src/(cli|embedded|agent)/|^src/(cli|standalone)\\.ts$' },
    },
    {
      name: 'only-cli-declares-commands',
      comment: "commander is the composition root's tool: only src/cli/ declares commands and flags.",
      severity: 'error',
      from: { path: '^(src|controllers)/', pathNot: '^src/cli/|^src/cli\\.ts$' },
      to: { path: 'node_modules/commander/' },
    },
    {
      name: 'embedded-not-cluster',
      comment: 'The embedded default runs without a cluster: no src/k8s, no controllers/, no command wiring.',
      severity: 'error',
      from: { path: '^src/embedded/' },
      to: { path: '^(src/k8s/|controllers/|src/cli/)' },
    },
    {
      name: 'agent-not-hub',
      comment:
        "The remote-site agent runs on another network with a site's least privileges: it uses the domains and src/k8s, never the hub's reconcilers or the command wiring.",
      severity: 'error',
      from: { path: '^src/agent/' },
      to: { path: '^(controllers/|src/(cli|embedded)/)|^src/(cli|standalone)\\.ts$' },
    },
    {
      name: 'runtime-not-above',
      comment: 'src/k8s is the controller runtime and the controllers use it; neither reaches up into the CLI.',
      severity: 'error',
      from: { path: '^(src/k8s|controllers)/' },
      to: { path: '^src/(cli|embedded)/|^src/(cli|standalone)\\.ts$' },
    },
    {
      name: 'k8s-not-controllers',
      comment: 'src/k8s is generic machinery: it does not know the reconcilers that use it.',
      severity: 'error',
      from: { path: '^src/k8s/' },
      to: { path: '^controllers/' },
    },
    {
      name: 'shared-is-a-leaf',
      comment: 'Modules every layer uses import no layer themselves.',
      severity: 'error',
      from: { path: '^src/(observe/|errors\\.ts$|clock\\.ts$|kst\\.ts$)' },
      to: { path: '^(src/(api|sources|bus|lake|join|k8s|cli|embedded)/|controllers/)' },
    },
    {
      name: 'no-circular',
      comment:
        'A cycle makes load order matter and hides which module owns what. A command may import its body lazily (dynamic import) while the body imports the declaration.',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only', 'dynamic-import'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|test|bench)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
