// `pg-mirror build`: verify one commit as a client would, then publish it as a static tree.
import type { Argv } from 'yargs';
import { buildSite } from '../../mirror/index.js';
import { EXIT_OK, EXIT_VERIFICATION } from '../exit-codes.js';
import { writeText } from '../io.js';
import { toBuildOptions, withBuildOptions } from './build-options.js';
import type { MirrorSelect } from './context.js';
import { buildJson, buildText } from './output.js';

/** Registers the `build` command. */
export function buildCommand<T>(y: Argv<T>, select: MirrorSelect): Argv<T> {
  return y.command(
    'build',
    'Verify a commit of a git-backed TUF repository as a fresh client would, then publish it as a static tree',
    (c) =>
      withBuildOptions(
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
          }),
      )
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
        const options = await toBuildOptions(io, argv);
        const report = await buildSite(options);
        if (globals.json) {
          await writeText(io.stdout, buildJson(report));
        } else {
          const text = buildText(report, options.outDir);
          if (text.stderr !== '') await writeText(io.stderr, text.stderr);
          // A refusal is always shown, even with --quiet: it is the command's answer.
          if (!globals.quiet || !report.ok)
            await writeText(report.ok ? io.stdout : io.stderr, text.stdout);
        }
        return report.ok ? EXIT_OK : EXIT_VERIFICATION;
      }),
  );
}
