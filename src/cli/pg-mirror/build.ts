// `pg-mirror build`: verify one commit as a client would, then publish it as a static tree.
import type { Argv } from 'yargs';
import { buildSite, type BuildOptions } from '../../mirror/index.js';
import { EXIT_OK, EXIT_VERIFICATION } from '../exit-codes.js';
import { writeText } from '../io.js';
import { type MirrorSelect, parseTime, readRootFile, resolvePath } from './context.js';
import { buildJson, buildText } from './output.js';

/** Registers the `build` command. */
export function buildCommand<T>(y: Argv<T>, select: MirrorSelect): Argv<T> {
  return y.command(
    'build',
    'Verify a commit of a git-backed TUF repository as a fresh client would, then publish it as a static tree',
    (c) =>
      c
        .option('git', {
          type: 'string',
          demandOption: true,
          describe: 'The git repository (work tree or bare) in the tuf-on-ci layout',
        })
        .option('ref', {
          type: 'string',
          default: 'HEAD',
          describe: 'Branch, tag or commit to publish',
        })
        .option('out', {
          type: 'string',
          demandOption: true,
          describe: 'Output directory (created, or updated incrementally)',
        })
        .option('root', {
          type: 'string',
          describe:
            'Pinned trusted root.json to start the root chain from [default: the first root in metadata/root_history]',
        })
        .option('time', {
          type: 'string',
          describe: 'Reference time for expiry checks, ISO 8601 [default: now]',
        })
        .option('keep-versions', {
          type: 'number',
          default: 3,
          describe: 'Older versions of snapshot and each role kept for clients mid-refresh',
        })
        .option('check-tree', {
          type: 'boolean',
          default: false,
          describe:
            'Stat and re-hash every published file instead of trusting the build state (finds files changed or deleted outside pg-mirror)',
        })
        .example(
          '$0 build --git ./repo --ref main --out ./site',
          'verify main and publish it into ./site',
        )
        .example(
          '$0 build --git ./repo --out ./site --root ./pinned-root.json --json',
          'start trust at a pinned root; report as JSON',
        ),
    (argv) =>
      select(async (io, globals) => {
        const outDir = resolvePath(io, argv.out);
        const rootBytes = await readRootFile(io, argv.root);
        const referenceTime = parseTime(argv.time);
        const options: BuildOptions = {
          gitPath: resolvePath(io, argv.git),
          ref: argv.ref,
          outDir,
          keepVersions: argv['keep-versions'],
          checkTree: argv['check-tree'],
          ...(rootBytes ? { rootBytes } : {}),
          ...(referenceTime ? { referenceTime } : {}),
        };
        const report = await buildSite(options);
        if (globals.json) {
          await writeText(io.stdout, buildJson(report));
        } else {
          const text = buildText(report, outDir);
          if (text.stderr !== '') await writeText(io.stderr, text.stderr);
          // A refusal is always shown, even with --quiet: it is the command's answer.
          if (!globals.quiet || !report.ok)
            await writeText(report.ok ? io.stdout : io.stderr, text.stdout);
        }
        return report.ok ? EXIT_OK : EXIT_VERIFICATION;
      }),
  );
}
