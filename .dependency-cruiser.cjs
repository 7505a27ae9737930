/**
 * The layout's rule (README, "Layout"), checked in CI by `npm run lint:deps`:
 * - the domain (src/ outside src/server/) imports no transport, no worker and not the composition root;
 * - the transports (schema/, adapters/) and the workers never import the composition root: what they need
 *   arrives as parameters, or from src/.
 * Type-only imports count too (tsPreCompilationDeps): a type from a transport is still a dependency on it.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-imports-no-transport',
      comment:
        'src/ outside src/server/ is the domain: it must not know GraphQL, the adapters, the workers or the wiring.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/server/' },
      to: { path: '^(schema|adapters|workers|src/server)/' },
    },
    {
      name: 'transports-do-not-import-the-composition-root',
      comment: 'schema/, adapters/ and workers/ get what they need as parameters or from src/, never from src/server/.',
      severity: 'error',
      from: { path: '^(schema|adapters|workers)/' },
      to: { path: '^src/server/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
