// `npm run demo`: a git-backed TUF repository published with pg-mirror and consumed with
// pg-download, end to end, in a temporary directory, using the real executables. Also shows
// one attack being stopped: an artifact tampered with on the server.
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashHex } from '../core/index.js';
import { createTufOnCiSimulator, writeGitRepository } from '../sim/index.js';
import { packageRoot, runCli, startCli, type Background, type CliResult } from './run-cli.js';

export interface DemoOptions {
  /** Where the step log goes (default: stdout). */
  readonly log?: (line: string) => void;
  /** Keep the temporary directory (default: removed). */
  readonly keep?: boolean;
}

class StepFailed extends Error {}

/** Runs the demo; resolves 0 only if every step did what it should. */
export async function runDemo(options: DemoOptions = {}): Promise<number> {
  const log = options.log ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const root = await packageRoot();
  const work = await mkdtemp(join(tmpdir(), 'pg-demo-'));
  let server: Background | undefined;
  let step = 0;
  const title = (text: string): void => log(`\n[${++step}] ${text}`);
  const detail = (text: string): void => log(`    ${text}`);
  const check = (ok: boolean, what: string, result?: CliResult): void => {
    if (ok) return detail(`ok: ${what}`);
    if (result) detail(`exit ${result.code}\n${indent(result.stdout)}\n${indent(result.stderr)}`);
    throw new StepFailed(what);
  };
  try {
    title(
      'Create a git repository in the tuf-on-ci layout (generated keys, root v1 -> v2, delegated role "releases")',
    );
    const git = join(work, 'repo');
    const { commit } = await writeGitRepository(git, { simulator: createTufOnCiSimulator() });
    const rootV1 = await readFile(join(git, 'metadata', 'root_history', '1.root.json'));
    const rootFile = join(work, 'root-v1.json');
    await writeFile(rootFile, rootV1);
    const rootSha = hashHex('sha256', rootV1);
    detail(`${git} at commit ${commit.slice(0, 12)}`);
    detail(`trust anchor: root v1, sha256 ${rootSha}`);

    title('pg-mirror build: verify the commit as a fresh client would, then publish a static tree');
    const site = join(work, 'site');
    const build = await runCli(root, 'pg-mirror', ['build', '--git', git, '--out', site]);
    log(indent(build.stdout.trimEnd()));
    check(build.code === 0, 'build published the repository', build);

    title('pg-mirror serve: serve the tree on 127.0.0.1 (any free port)');
    server = await startCli(root, 'pg-mirror', ['serve', site, '--port', '0', '--quiet']);
    const url = /(http:\/\/\S+)/.exec(server.firstLine)?.[1];
    check(url !== undefined, `serving at ${url ?? '?'}`);
    const base = (url as string).replace(/\/?$/, '/');

    title('pg-download init: register the repository, pinning root v1 by its sha256');
    const cache = join(work, 'cache');
    const dl = (...args: string[]): Promise<CliResult> =>
      runCli(root, 'pg-download', ['--cache-dir', cache, ...args]);
    const init = await dl(
      'init',
      'demo',
      '--metadata-url',
      `${base}metadata/`,
      '--root',
      rootFile,
      '--root-sha256',
      rootSha,
    );
    log(indent(init.stdout.trimEnd()));
    check(init.code === 0, 'registered', init);

    title('pg-download get: two targets, one from top-level targets, one through the delegation');
    const downloads = join(work, 'downloads');
    const get = await dl('get', 'README.txt', 'releases/app-1.1.tar.gz', '-o', downloads);
    log(indent(get.stdout.trimEnd()));
    check(get.code === 0, 'downloaded and verified (root rotated v1 -> v2 on the way)', get);
    const app = await readFile(join(downloads, 'app-1.1.tar.gz'), 'utf8').catch(() => '');
    check(app === 'app 1.1 release artifact\n', 'app-1.1.tar.gz has the published bytes');

    title('pg-download info: length, hashes and the delegation chain, without downloading');
    const info = await dl('info', 'releases/app-1.1.tar.gz');
    log(indent(info.stdout.trimEnd()));
    check(
      info.code === 0 && /targets v\d+ -> releases v\d+/.test(info.stdout),
      'chain targets -> releases',
      info,
    );

    title('Attack: replace an artifact on the server; pg-download must refuse it');
    const releases = join(site, 'targets', 'releases');
    const victim = (await readdir(releases)).find((n) => n.endsWith('.app-1.0.tar.gz'));
    check(victim !== undefined, 'found the served app-1.0.tar.gz');
    await writeFile(join(releases, victim as string), 'app 1.0 release artifacX\n');
    detail('tampered: same length, one byte changed');
    const attacked = join(work, 'attacked');
    const bad = await dl('get', 'releases/app-1.0.tar.gz', '-o', attacked);
    log(indent(bad.stderr.trimEnd()));
    check(bad.code === 1, 'expected failure: exit 1 (verification failure)', bad);
    const leaked = await readdir(attacked).catch(() => [] as string[]);
    check(!leaked.includes('app-1.0.tar.gz'), 'no unverified file was delivered');

    title('Stop the server');
    const stopped = await server.stop();
    server = undefined;
    check(stopped === 0, 'pg-mirror serve exited 0 on SIGTERM');
    log('\nDemo finished: every step did what it should.');
    return 0;
  } catch (err) {
    log(`\nDemo FAILED at step ${step}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    await server?.stop();
    if (options.keep === true) log(`(kept ${work})`);
    else await rm(work, { recursive: true, force: true });
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `      ${l}`)
    .join('\n');
}

// Run when executed directly (node dist/src/demo/main.js), not when imported by a test.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  runDemo({ keep: process.argv.includes('--keep') }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
