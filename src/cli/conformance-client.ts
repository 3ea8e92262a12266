// The TUF conformance suite's client protocol (/work/shared/CONFORMANCE-CLI.md) as a thin
// adapter over the same Updater pg-download uses. Exit 0 on success, 1 on ANY failure: the
// suite compares the code literally, so usage errors and crashes must be 1 too.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { HttpFetcher, Updater, writeFileAtomic, type UpdaterEvent } from '../client/index.js';
import { TrustError, UsageError, describeError } from '../core/index.js';
import { processIo, writeText, type CliIo } from './io.js';

const USAGE = [
  'usage: pg-conformance-client --metadata-dir MD init TRUSTED_ROOT',
  '       pg-conformance-client --metadata-dir MD --metadata-url URL refresh',
  '       pg-conformance-client --metadata-dir MD --metadata-url URL --target-name PATH [--target-name PATH ...]',
  '                             --target-dir DIR --target-base-url URL download',
].join('\n');

interface Invocation {
  readonly command: 'init' | 'refresh' | 'download';
  readonly metadataDir: string;
  readonly metadataUrl?: string;
  readonly targetNames: readonly string[];
  readonly targetDir?: string;
  readonly targetBaseUrl?: string;
  readonly trustedRoot?: string;
}

/** Runs one conformance-client invocation; resolves to 0 or 1, never rejects. */
export async function run(argv: readonly string[], io: CliIo): Promise<0 | 1> {
  const log = (line: string): void => {
    io.stdout.write(`${line}\n`);
  };
  try {
    const inv = parseInvocation(argv);
    if (inv.command === 'init') await init(inv, log);
    else await update(inv, io, log);
    log(`${inv.command}: ok`);
    return 0;
  } catch (err) {
    await writeText(io.stderr, `pg-conformance-client: ${describeError(err)}\n`).catch(
      () => undefined,
    );
    if (err instanceof UsageError) await writeText(io.stderr, `${USAGE}\n`).catch(() => undefined);
    return 1;
  }
}

/** Process entry point used by bin/pg-conformance-client.js. */
export async function main(argv: readonly string[]): Promise<0 | 1> {
  let code: 0 | 1 = 1;
  try {
    code = await run(argv, processIo());
  } finally {
    process.exitCode = code;
  }
  return code;
}

function parseInvocation(argv: readonly string[]): Invocation {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        'metadata-dir': { type: 'string' },
        'metadata-url': { type: 'string' },
        'target-name': { type: 'string', multiple: true },
        'target-dir': { type: 'string' },
        'target-base-url': { type: 'string' },
      },
    });
  } catch (err) {
    throw new UsageError(
      'invalid-argument',
      `arguments: expected the conformance client protocol, got ${describeError(err)}`,
      { cause: err },
    );
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  const metadataDir = required('--metadata-dir', values['metadata-dir']);
  const base = { metadataDir, targetNames: values['target-name'] ?? [] };
  switch (command) {
    case 'init':
      if (rest.length !== 1 || rest[0] === undefined)
        throw usage(`init: expected one TRUSTED_ROOT argument, got ${rest.length}`);
      return { ...base, command, trustedRoot: rest[0] };
    case 'refresh':
      noExtra(command, rest);
      return { ...base, command, metadataUrl: required('--metadata-url', values['metadata-url']) };
    case 'download':
      noExtra(command, rest);
      if (base.targetNames.length === 0)
        throw usage('download: expected at least one --target-name, got none');
      return {
        ...base,
        command,
        metadataUrl: required('--metadata-url', values['metadata-url']),
        targetDir: required('--target-dir', values['target-dir']),
        targetBaseUrl: required('--target-base-url', values['target-base-url']),
      };
    default:
      throw usage(
        `command: expected init, refresh or download, got ${command === undefined ? 'none' : JSON.stringify(command)}`,
      );
  }
}

// init: store the trusted root bytes exactly; validation happens at the first refresh, which
// then fails before making any request.
async function init(inv: Invocation, log: (line: string) => void): Promise<void> {
  const source = inv.trustedRoot ?? '';
  let bytes: Uint8Array;
  try {
    bytes = await readFile(source);
  } catch (err) {
    throw usage(
      `init: expected a readable TRUSTED_ROOT file, got ${describeError(err)} for ${source}`,
      err,
    );
  }
  await writeFileAtomic(inv.metadataDir, 'root.json', bytes);
  log(`init: stored ${bytes.byteLength} bytes from ${source} as ${inv.metadataDir}/root.json`);
}

// refresh and download share one Updater; download stops at the first failing target.
async function update(inv: Invocation, io: CliIo, log: (line: string) => void): Promise<void> {
  // Conservative network limits: the suite has no timeout, so a hang must become a failure.
  // The fetcher retries only network errors and 5xx, never a 404.
  const fetcher = new HttpFetcher({ connectTimeoutMs: 5_000, stallTimeoutMs: 10_000, env: io.env });
  const updater = new Updater({
    metadataDir: inv.metadataDir,
    metadataBaseUrl: inv.metadataUrl ?? '',
    ...(inv.targetBaseUrl === undefined ? {} : { targetBaseUrl: inv.targetBaseUrl }),
    ...(inv.targetDir === undefined ? {} : { targetDir: inv.targetDir }),
    fetcher,
    onEvent: (event: UpdaterEvent) => {
      if (event.kind === 'fetch') log(`fetch ${event.url} (${event.role})`);
      else if (event.kind === 'verified') log(`verified ${event.role} v${event.version}`);
    },
  });
  try {
    const result = await updater.refresh();
    const v = result.versions;
    log(
      `refresh: root v${v.root}, timestamp v${v.timestamp}, snapshot v${v.snapshot}, targets v${v.targets}`,
    );
    if (inv.command !== 'download') return;
    for (const targetPath of inv.targetNames) {
      const lookup = await updater.getTargetInfo(targetPath);
      if (lookup === undefined)
        throw new TrustError(
          'target-not-found',
          `${targetPath}: expected a role listing it, got none (not found in any role)`,
        );
      const cached = await updater.findCachedTarget(lookup);
      if (cached !== undefined) {
        log(`download: ${targetPath} already stored and verified at ${cached}`);
        continue;
      }
      const stored = await updater.downloadTarget(lookup);
      log(`download: ${targetPath} verified (${stored.length} bytes) -> ${stored.path}`);
    }
  } finally {
    await updater.close().catch(() => undefined);
    await fetcher.close().catch(() => undefined);
  }
}

function required(flag: string, value: string | undefined): string {
  if (value === undefined || value === '') throw usage(`${flag}: expected a value, got none`);
  return value;
}

function noExtra(command: string, rest: readonly string[]): void {
  if (rest.length > 0)
    throw usage(`${command}: expected no positional arguments, got ${JSON.stringify(rest)}`);
}

function usage(message: string, cause?: unknown): UsageError {
  return new UsageError('invalid-argument', message, cause === undefined ? undefined : { cause });
}
