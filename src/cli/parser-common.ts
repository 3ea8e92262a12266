// The yargs settings every program shares: strict parsing, command suggestions, no implicit
// exit, and usage mistakes turned into a UsageError (exit code 2) instead of a printed message.
import type { Writable } from 'node:stream';
import type { Argv } from 'yargs';
import { UsageError } from '../core/index.js';
import { writeText } from './io.js';

/** Applies the shared settings; `commands` names the program's commands for the "none given" error. */
export function finishParser<T>(
  y: Argv<T>,
  commands: readonly string[],
  epilogue: string,
  isTTY: boolean,
): Argv<T> {
  return y
    .strict()
    .demandCommand(1, `command: expected one of ${commands.join(', ')}, got none`)
    .recommendCommands()
    .epilogue(epilogue)
    .wrap(Math.min(100, isTTY ? process.stderr.columns || 80 : 100))
    .help()
    .alias('help', 'h')
    .version(false)
    .exitProcess(false)
    .fail((message, err) => {
      // Validation failures from yargs (unknown option, missing argument, typo'd command).
      throw new UsageError('invalid-argument', message ?? err.message, { cause: err });
    });
}

/**
 * Parses `argv` with a parser whose commands hand their runner to `select` (handlers never run
 * work themselves). Returns the runner and arguments, or undefined after printing --help text.
 */
export async function parseCommand<R, A>(
  build: (select: (run: R) => void) => Argv<A>,
  argv: readonly string[],
  stdout: Writable,
) {
  let selected = undefined as R | undefined;
  let helpText = '';
  const parser = build((run) => {
    selected = run;
  });
  const args = await parser.parseAsync([...argv], {}, (_err, _argv, text) => {
    helpText += text;
  });
  if (selected === undefined) {
    if (helpText !== '')
      await writeText(stdout, helpText.endsWith('\n') ? helpText : `${helpText}\n`);
    return undefined;
  }
  return { run: selected, args };
}
