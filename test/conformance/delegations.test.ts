// tuf-conformance test_updater_delegation_graphs.py (notes 3.9): the exact delegated requests of
// the pre-order depth-first search, and target file search through path patterns.
import { describe, expect, it } from 'vitest';
import { generateSigner } from '../../src/core/index.js';
import { conformanceHarness, type ConformanceTest, type Stat } from './driver.js';

const newTest = conformanceHarness();

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly paths?: readonly string[];
  readonly terminating?: boolean;
}
const d = (from: string, to: string, paths: string[] = ['*'], terminating = false): Edge => ({
  from: from === 't' ? 'targets' : from,
  to,
  paths,
  terminating,
});

// As the suite's init_repo: each delegation gets its own new ecdsa key (a role delegated twice
// is signed by both keys), then everything is published (T2, delegated v1, S2, TS2).
function buildGraph(t: ConformanceTest, edges: readonly Edge[]): void {
  for (const e of edges) {
    t.sim.addDelegation(
      e.from,
      { name: e.to, paths: e.paths ?? ['*'], terminating: e.terminating ?? false },
      [generateSigner('ecdsa-p256')],
    );
  }
}

const FRESH_PREFIX: Stat[] = [
  ['root', 2],
  ['timestamp', null],
  ['snapshot', 2],
  ['targets', 2],
];

// [id, delegations in order, expected delegated requests]
const GRAPHS: [string, Edge[], string[]][] = [
  ['basic-delegation', [d('t', 'A')], ['A']],
  ['single-level-delegations', [d('t', 'A'), d('t', 'B')], ['A', 'B']],
  ['two-level-delegations', [d('t', 'A'), d('t', 'B'), d('B', 'C')], ['A', 'B', 'C']],
  [
    'two-level-test-DFS-order-of-traversal',
    [d('t', 'A'), d('t', 'B'), d('A', 'C'), d('A', 'D')],
    ['A', 'C', 'D', 'B'],
  ],
  [
    'three-level-delegation-test-DFS-order-of-traversal',
    [d('t', 'A'), d('t', 'B'), d('A', 'C'), d('C', 'D')],
    ['A', 'C', 'D', 'B'],
  ],
  [
    'two-level-terminating-ignores-all-but-roles-descendants',
    [d('t', 'A'), d('t', 'B'), d('A', 'C', ['*'], true), d('A', 'D')],
    ['A', 'C'],
  ],
  [
    'three-level-terminating-ignores-all-but-roles-descendants',
    [d('t', 'A'), d('t', 'B'), d('A', 'C', ['*'], true), d('C', 'D')],
    ['A', 'C', 'D'],
  ],
  [
    'two-level-ignores-all-branches-not-matching-paths',
    [d('t', 'A', ['*.py']), d('t', 'B'), d('A', 'C')],
    ['B'],
  ],
  [
    'three-level-ignores-all-branches-not-matching-paths',
    [d('t', 'A'), d('t', 'B'), d('A', 'C', ['*.py']), d('C', 'D')],
    ['A', 'B'],
  ],
  [
    'cyclic-graph',
    [d('t', 'A'), d('t', 'B'), d('B', 'C'), d('C', 'D'), d('D', 'B')],
    ['A', 'B', 'C', 'D'],
  ],
  [
    'two-roles-delegating-to-a-third',
    [d('t', 'A'), d('t', 'B'), d('B', 'C'), d('A', 'C')],
    ['A', 'C', 'B'],
  ],
  [
    'two-roles-delegating-to-a-third-different-paths',
    [d('t', 'A'), d('t', 'B'), d('B', 'C'), d('A', 'C', ['*.py'])],
    ['A', 'B', 'C'],
  ],
];

describe.concurrent('conformance: delegation graph traversal', () => {
  it.each(GRAPHS)('test_graph_traversal[%s]', async (id, edges, visits) => {
    const t = await newTest(`test_graph_traversal[${id}]`);
    buildGraph(t, edges);
    t.sim.publish();
    await t.init();
    expect(await t.download('missingpath'), t.last()).toBe(1);
    expect(t.stats()).toEqual([...FRESH_PREFIX, ...visits.map((r) => [r, 1])]);
    // Every visited role is verified and stored; nothing else.
    const roles = (await t.trustedRoles()).map(([r]) => r);
    expect(roles).toEqual([...visits].sort().concat(['root', 'snapshot', 'targets', 'timestamp']));
    expect(await t.downloaded()).toEqual([]);
  });

  it('test_graph_traversal (older variant): refresh, clear, then only delegated requests', async () => {
    const t = await newTest('test_graph_traversal[two-level-test-DFS-order-of-traversal]');
    buildGraph(t, [d('t', 'A'), d('t', 'B'), d('A', 'C'), d('A', 'D')]);
    t.sim.publish();
    await t.init();
    expect(await t.refresh(), t.last()).toBe(0);
    t.clearStats();
    expect(await t.download('missingpath'), t.last()).toBe(1);
    // stats[2:] in the older suite: snapshot and targets are reused from disk.
    expect(t.stats()).toEqual([
      ['root', 2],
      ['timestamp', null],
      ['A', 1],
      ['C', 1],
      ['D', 1],
      ['B', 1],
    ]);
  });
});

// t→A [*.doc, *.md]; t→B [releases/*/*]; B→C [releases/x/*]; B→D [releases/y/*.zip].
const SEARCH_CASES: [string, string, number, string[]][] = [
  ['no delegations', 'targetfile', 0, []],
  ['targetpath matches wildcard', 'README.md', 0, ['A']],
  ['targetpath with separators x', 'releases/x/x_v1', 0, ['B', 'C']],
  ['targetpath with separators y', 'releases/y/y_v1.zip', 0, ['B', 'D']],
  ['targetpath is not delegated by all roles in the chain', 'releases/z/z_v1.zip', 1, ['B']],
];

describe.concurrent('conformance: target file search', () => {
  it.each(SEARCH_CASES)('test_targetfile_search[%s]', async (id, path, code, visits) => {
    const t = await newTest(`test_targetfile_search[${id}]`);
    buildGraph(t, [
      d('t', 'A', ['*.doc', '*.md']),
      d('t', 'B', ['releases/*/*']),
      d('B', 'C', ['releases/x/*']),
      d('B', 'D', ['releases/y/*.zip']),
    ]);
    const artifacts: [string, string][] = [
      ['targets', 'targetfile'],
      ['A', 'README.md'],
      ['C', 'releases/x/x_v1'],
      ['D', 'releases/y/y_v1.zip'],
      ['D', 'releases/z/z_v1.zip'], // listed by D, but outside D's delegated paths
    ];
    for (const [role, p] of artifacts) t.sim.addTarget(role, p, Buffer.from(`content of ${p}`));
    t.sim.publish();
    await t.init();
    expect(await t.download(path), t.last()).toBe(code);
    expect(t.stats().slice(4)).toEqual(visits.map((r) => [r, 1]));
    expect(await t.downloaded()).toEqual(code === 0 ? [`content of ${path}`] : []);
  });

  it.each([
    ['README.MD', ['*.md'], false],
    ['foo-1.tgz', ['foo-?.tgz'], true],
    ['foo-alpha.tgz', ['foo-?.tgz'], false],
    ['releases/README.md', ['*.md'], false],
    ['releases/stable/package', ['releases/**'], false],
  ])('path pattern (CONFORMANCE-CLI.md): %s against %j', async (path, paths, matches) => {
    // Reported in CONFORMANCE-CLI.md, not found in any stored suite copy (notes 3.11).
    const t = await newTest(`test_path_pattern[${path}]`);
    buildGraph(t, [d('t', 'A', paths)]);
    t.sim.addTarget('A', path, Buffer.from('artifact'));
    t.sim.publish();
    await t.init();
    expect(await t.download(path), t.last()).toBe(matches ? 0 : 1);
    expect(t.stats().slice(4)).toEqual(matches ? [['A', 1]] : []);
    expect(await t.downloaded()).toEqual(matches ? ['artifact'] : []);
  });
});
