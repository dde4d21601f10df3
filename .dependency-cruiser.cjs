/*
 * The floors of DESIGN.md §2, checked: an import may only point to a lower
 * floor (or within its own folder), production code never imports a
 * testing/ folder or host-side code, and apps import only `nymote`.
 *   lib -> kernel/runtime -> drivers -> net, store -> board -> services -> sdk -> apps
 * (board sits under services: its drivers.ts wires drivers to net's stack;
 * sdk reads board/spec.ts for the device kinds.) Run by `make test`
 * (test/layout.test.ts): `npx depcruise --config .dependency-cruiser.cjs <floors>`.
 */
const TEST_CODE = '(^|/)(testing|fixtures)/|\\.test\\.ts$';
const HOST_SIDE = '^(cli|bench|test|hil-tests|scripts)/|^rollup\\.config\\.ts$|^store/records/build/';

/** A floor and the floors it may import (besides itself). */
const FLOORS = [
  ['lib', []],
  ['kernel/runtime', ['lib']],
  ['drivers', ['lib', 'kernel/runtime']],
  ['net', ['lib', 'kernel/runtime', 'drivers']],
  ['store', ['lib', 'kernel/runtime', 'drivers']],
  ['board', ['lib', 'kernel/runtime', 'drivers', 'net', 'store']],
  ['services', ['lib', 'kernel/runtime', 'drivers', 'net', 'store']],
  ['sdk', ['lib', 'kernel/runtime', 'drivers', 'net', 'store', 'board', 'services']],
];
const ALL = ['lib', 'kernel/runtime', 'drivers', 'net', 'store', 'board', 'services', 'sdk', 'apps'];
const anyOf = (floors) => `^(${floors.map((f) => f.replace('/', '\\/')).join('|')})/`;

module.exports = {
  forbidden: [
    ...FLOORS.map(([floor, below]) => ({
      name: `${floor.replace('/', '-')}-imports-only-lower-floors`,
      comment: `${floor}/ may import only ${below.length ? below.join(', ') : 'nothing of ours'} (DESIGN.md §2)`,
      severity: 'error',
      from: { path: `^${floor}/`, pathNot: TEST_CODE },
      to: { path: anyOf(ALL.filter((f) => f !== floor && !below.includes(f))) },
    })),
    {
      name: 'apps-import-only-nymote',
      comment: 'an app imports only `nymote` (sdk/index.ts) and its own folder (DESIGN.md §4, §7)',
      severity: 'error',
      from: { path: '^apps/([^/]+)/', pathNot: '\\.test\\.ts$' },
      to: { path: anyOf(ALL.filter((f) => f !== 'apps')), pathNot: '^sdk/index\\.ts$' },
    },
    {
      name: 'apps-stay-in-their-folder',
      severity: 'error',
      from: { path: '^apps/([^/]+)/', pathNot: '\\.test\\.ts$' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'production-never-imports-testing',
      comment: 'test kits (testing/ folders, fixtures, *.test.ts) are for tests only',
      severity: 'error',
      from: { path: anyOf(ALL), pathNot: TEST_CODE },
      to: { path: TEST_CODE },
    },
    {
      name: 'production-never-imports-host-side',
      comment: 'image code never imports cli/, bench/, test/ or hil-tests/',
      severity: 'error',
      from: { path: anyOf(ALL), pathNot: `${TEST_CODE}|${HOST_SIDE}` },
      to: { path: HOST_SIDE },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|build|images)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.d.ts', '.js'] },
  },
};
