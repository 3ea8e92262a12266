// The one printer of pg-download: renders a command result as text or as one JSON document,
// and an error as a message on stderr (plus an error document on stdout with --json).
import { PgError, describeError } from '../core/index.js';
import { exitCodeFor } from './exit-codes.js';
import type {
  ChainEntry,
  CommandResult,
  GetResult,
  InfoResult,
  InitResult,
  RepoStatus,
  StatusResult,
} from './results.js';

export interface OutputOptions {
  readonly json: boolean;
  readonly quiet: boolean;
}

export interface Rendered {
  /** Text for stdout ('' for nothing). */
  readonly stdout: string;
  /** Text for stderr ('' for nothing). */
  readonly stderr: string;
}

/** Renders a successful result; with --json stdout is exactly one JSON document. */
export function renderResult(result: CommandResult, options: OutputOptions): Rendered {
  if (options.json) return { stdout: `${JSON.stringify(toJson(result), null, 2)}\n`, stderr: '' };
  const text = toText(result);
  if (options.quiet) return { stdout: '', stderr: '' };
  if (result.kind === 'get' && result.toStdout) return { stdout: '', stderr: text }; // stdout holds the artifact
  return { stdout: text, stderr: '' };
}

/** Renders a failure: one line on stderr; with --json also an error document on stdout. */
export function renderError(err: unknown, options: OutputOptions): Rendered {
  const line = `pg-download: ${describeError(err)}\n`;
  if (!options.json) return { stdout: '', stderr: line };
  const doc = { error: errorDoc(err) };
  return { stdout: `${JSON.stringify(doc, null, 2)}\n`, stderr: line };
}

/** The JSON error document of --json (pg-download and pg-mirror): type, code, message, exit code. */
export function errorDoc(err: unknown): {
  type: string;
  code: string | null;
  message: string;
  exitCode: number;
} {
  return {
    type: err instanceof Error ? err.name : typeof err,
    code: err instanceof PgError ? (err as PgError).code : null,
    message: err instanceof Error ? err.message : String(err),
    exitCode: exitCodeFor(err),
  };
}

/** The JSON document of a result: arrays for get/info/list targets, objects otherwise. */
function toJson(result: CommandResult): unknown {
  switch (result.kind) {
    case 'get':
    case 'info':
      return result.entries;
    case 'list':
      return { repo: result.repo, targets: result.targets };
    default:
      return Object.fromEntries(Object.entries(result).filter(([key]) => key !== 'kind'));
  }
}

function toText(result: CommandResult): string {
  switch (result.kind) {
    case 'init':
      return initText(result);
    case 'get':
      return getText(result);
    case 'info':
      return infoText(result);
    case 'refresh': {
      const v = result.versions;
      return `${result.repo}: root v${v.root}, timestamp v${v.timestamp}, snapshot v${v.snapshot}, targets v${v.targets} (checked at ${result.referenceTime})\n`;
    }
    case 'status':
      return statusText(result);
    case 'list':
      return result.targets.map((t) => `${t.path}\t${t.length}\t${t.role}\n`).join('');
  }
}

function initText(r: InitResult): string {
  const lines = [
    `${r.replaced ? 'Re-registered' : 'Registered'} repository "${r.name}"${r.isDefault ? ' (default)' : ''}`,
    `  metadata  ${r.metadataUrl}`,
    `  targets   ${r.targetsUrl}`,
    `  root      v${r.rootVersion}, expires ${r.rootExpires}, sha256 ${r.rootSha256}`,
    `  cache     ${r.repositoryDir}`,
    ...r.warnings.map((w) => `warning: ${w}`),
  ];
  return `${lines.join('\n')}\n`;
}

function getText(r: GetResult): string {
  return r.entries
    .map(
      (e) =>
        `${e.target} -> ${e.path} (${e.length} bytes, ${e.cached ? 'from cache' : 'downloaded'})\n`,
    )
    .join('');
}

function infoText(r: InfoResult): string {
  const blocks = r.entries.map((e) => {
    const lines = [e.target, `  length  ${e.length}`];
    for (const [alg, hex] of Object.entries(e.hashes)) lines.push(`  ${alg.padEnd(6)}  ${hex}`);
    if (e.custom !== null) lines.push(`  custom  ${JSON.stringify(e.custom)}`);
    lines.push(`  chain   ${chainText(e.chain)}`);
    return lines.join('\n');
  });
  return `${blocks.join('\n\n')}\n`;
}

/** `targets v3 -> bins v7 -> bins-0a3 v2` */
function chainText(chain: readonly ChainEntry[]): string {
  return chain.map((link) => `${link.role} v${link.version}`).join(' -> ');
}

function statusText(r: StatusResult): string {
  if (r.repos.length === 0)
    return `No repositories registered in ${r.cacheDir} (see "pg-download init --help").\n`;
  return `${r.repos.map(repoStatusText).join('\n')}`;
}

function repoStatusText(s: RepoStatus): string {
  const lines = [
    `${s.name}${s.isDefault ? ' (default)' : ''}`,
    `  metadata url  ${s.metadataUrl}`,
    `  targets url   ${s.targetsUrl}`,
    `  metadata dir  ${s.metadataDir}`,
    `  targets dir   ${s.targetsDir} (${s.cachedTargets} cached target${s.cachedTargets === 1 ? '' : 's'})`,
  ];
  for (const role of s.roles) {
    let state: string;
    if (role.error !== undefined) state = `unreadable: ${role.error}`;
    else if (role.version === undefined) state = 'not fetched yet';
    else
      state = `v${role.version}, expires ${role.expires ?? '?'}${role.expired === true ? '  EXPIRED' : ''}`;
    lines.push(`  ${role.role.padEnd(10)}    ${state}`);
  }
  return `${lines.join('\n')}\n`;
}
