// `pg-mirror serve DIR`: serves a published tree over HTTP until SIGINT/SIGTERM.
import type { Argv } from 'yargs';
import { UsageError } from '../../core/index.js';
import { startStaticServer } from '../../mirror/index.js';
import { EXIT_OK } from '../exit-codes.js';
import { writeText } from '../io.js';
import { type MirrorSelect, resolvePath, untilAborted } from './context.js';

/** Registers the `serve` command. */
export function serveCommand<T>(y: Argv<T>, select: MirrorSelect): Argv<T> {
  return y.command(
    'serve <dir>',
    'Serve a published tree over HTTP (GET/HEAD, conditional and range requests)',
    (c) =>
      c
        .positional('dir', {
          type: 'string',
          demandOption: true,
          describe: 'The tree written by "pg-mirror build"',
        })
        .option('host', { type: 'string', default: '127.0.0.1', describe: 'Address to listen on' })
        .option('port', {
          type: 'number',
          default: 8080,
          describe: 'Port to listen on (0: any free port)',
        })
        .example('$0 serve ./site', 'serve ./site on http://127.0.0.1:8080/')
        .example('$0 serve ./site --port 0 --quiet', 'any free port, no access log'),
    (argv) =>
      select(async (io, globals) => {
        const port = argv.port;
        if (!Number.isInteger(port) || port < 0 || port > 65535) {
          throw new UsageError(
            'invalid-argument',
            `--port: expected an integer 0-65535, got ${port}`,
          );
        }
        const root = resolvePath(io, argv.dir);
        const server = await startStaticServer({
          root,
          host: argv.host,
          port,
          ...(globals.quiet ? {} : { log: (line: string) => void io.stderr.write(`${line}\n`) }),
        });
        try {
          // The first stdout line carries the URL, so scripts (and the demo) can read the port.
          if (globals.json)
            await writeText(
              io.stdout,
              `${JSON.stringify({ url: server.url, port: server.port, root })}\n`,
            );
          else await writeText(io.stdout, `Serving ${root} at ${server.url}\n`);
          await untilAborted(io.signal);
        } finally {
          await server.close();
        }
        if (!globals.quiet && !globals.json)
          await writeText(io.stderr, 'pg-mirror serve: stopped\n');
        return EXIT_OK;
      }),
  );
}
