// `pg-download init <name>`: registers a repository from a pinned root (the trust anchor).
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { MetadataStore } from '../../client/index.js';
import {
  StorageError,
  TrustError,
  UsageError,
  errnoCode,
  hashHex,
  parseRoot,
  verifyThreshold,
} from '../../core/index.js';
import {
  ensureRepoDirs,
  readDefault,
  repoExists,
  repoPaths,
  saveRepoConfig,
  validateRepoName,
} from '../repo-registry.js';
import type { InitResult } from '../results.js';
import type { CommandContext } from './context.js';
import { classifyRoot, fetchRoot, readRootFile, toSha256 } from './root-source.js';
import type { Select } from './select.js';

export interface InitArgs {
  readonly name: string;
  readonly metadataUrl: string;
  readonly targetsUrl?: string | undefined;
  readonly root: string;
  readonly rootSha256?: string | undefined;
  readonly unsafeTrustOnFirstUse: boolean;
  readonly force: boolean;
}

/** Registers the `init` command. */
export function initCommand<T>(y: Argv<T>, select: Select): Argv<T> {
  return y.command(
    'init <name>',
    'Register a repository, pinning its initial root metadata as the trust anchor',
    (c) =>
      c
        .positional('name', {
          type: 'string',
          demandOption: true,
          describe: 'Local name of the repository ([A-Za-z0-9._-], max 64)',
        })
        .option('metadata-url', {
          type: 'string',
          demandOption: true,
          describe: 'Base URL of the TUF metadata (http or https)',
        })
        .option('targets-url', {
          type: 'string',
          describe: 'Base URL of the artifacts [default: the "targets/" sibling of --metadata-url]',
        })
        .option('root', {
          type: 'string',
          demandOption: true,
          describe: 'Initial root.json: a file path or an http(s) URL',
        })
        .option('root-sha256', {
          type: 'string',
          describe: 'Expected sha256 (hex) of the root bytes; required when --root is a URL',
        })
        .option('unsafe-trust-on-first-use', {
          type: 'boolean',
          default: false,
          describe:
            'NOT SAFE: accept a root fetched from a URL without --root-sha256; whoever controls that URL (or the network) at this moment controls every later download',
        })
        .option('force', {
          type: 'boolean',
          default: false,
          describe:
            'Replace an existing registration of the same name (its trusted metadata is discarded)',
        })
        .example(
          '$0 init demo --metadata-url https://example.org/metadata/ --root ./root.json',
          'pin a root you obtained out of band',
        )
        .example(
          '$0 init demo --metadata-url https://example.org/metadata/ --root https://example.org/metadata/1.root.json --root-sha256 3f1c...',
          'fetch the root, check it against a published hash',
        ),
    (argv) =>
      select((ctx) =>
        runInit(ctx, {
          name: argv.name,
          metadataUrl: argv['metadata-url'],
          targetsUrl: argv['targets-url'],
          root: argv.root,
          rootSha256: argv['root-sha256'],
          unsafeTrustOnFirstUse: argv['unsafe-trust-on-first-use'],
          force: argv.force,
        }),
      ),
  );
}

/** Validates the root (parses, self-signed by its threshold) before anything is written. */
export async function runInit(ctx: CommandContext, args: InitArgs): Promise<InitResult> {
  const name = validateRepoName(args.name);
  const metadataUrl = toBaseUrl('--metadata-url', args.metadataUrl);
  const targetsUrl =
    args.targetsUrl === undefined
      ? new URL('../targets/', metadataUrl).href
      : toBaseUrl('--targets-url', args.targetsUrl);
  const expectedSha256 = args.rootSha256 === undefined ? undefined : toSha256(args.rootSha256);
  const cacheDir = ctx.options.cacheDir;
  const replaced = await repoExists(cacheDir, name);
  if (replaced && !args.force) {
    throw new UsageError(
      'exists',
      `repository "${name}": expected a new name (or --force to replace it), got an existing registration`,
    );
  }

  const warnings: string[] = [];
  const source = classifyRoot(ctx.io.cwd, args.root);
  if (source.kind === 'url' && expectedSha256 === undefined) {
    // A root fetched over the network without an out-of-band hash is trust-on-first-use.
    if (!args.unsafeTrustOnFirstUse) {
      throw new UsageError(
        'unsafe-refused',
        `--root ${args.root}: expected --root-sha256 HEX for a root fetched from a URL, got none (--unsafe-trust-on-first-use skips this check and is NOT safe)`,
      );
    }
    warnings.push(
      'the root was trusted on first use (--unsafe-trust-on-first-use): verify its sha256 out of band',
    );
  }
  const bytes =
    source.kind === 'url'
      ? await fetchRoot(ctx, source.location)
      : await readRootFile(source.location);
  const actualSha256 = hashHex('sha256', bytes);
  if (expectedSha256 !== undefined && actualSha256 !== expectedSha256) {
    throw new TrustError(
      'hash-mismatch',
      `root ${args.root}: expected sha256 ${expectedSha256}, got ${actualSha256}`,
    );
  }
  // TUF 5.2: the trusted root must be root metadata signed by a threshold of its own root keys.
  const root = parseRoot(bytes);
  verifyThreshold(root, 'root', root.signed.roles.root, root.signed.keys);
  if (root.signed.expiresMs <= ctx.now().getTime()) {
    warnings.push(
      `root v${root.signed.version} expired at ${root.signed.expires}; the first refresh must find a newer root`,
    );
  }

  const paths = repoPaths(cacheDir, name);
  // A new trust anchor starts from an empty trusted cache: metadata verified under the old
  // anchor must not become the rollback reference of the new one.
  if (replaced) await removeDir(paths.metadataDir);
  await ensureRepoDirs(paths);
  await new MetadataStore(paths.metadataDir).write('root', bytes);
  await saveRepoConfig(cacheDir, {
    name,
    metadataUrl,
    targetsUrl,
    rootSource: source.kind === 'url' ? source.location : resolve(ctx.io.cwd, source.location),
    rootSha256: actualSha256,
    createdAt: ctx.now().toISOString(),
  });
  return {
    kind: 'init',
    name,
    metadataUrl,
    targetsUrl,
    rootVersion: root.signed.version,
    rootExpires: root.signed.expires,
    rootSha256: actualSha256,
    repositoryDir: paths.dir,
    isDefault: (await readDefault(cacheDir)) === name,
    replaced,
    warnings,
  };
}

/** An absolute http(s) base URL ending in `/`, without query or fragment (file names are appended). */
export function toBaseUrl(flag: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch (err) {
    throw new UsageError(
      'invalid-argument',
      `${flag}: expected an absolute http(s) URL, got ${JSON.stringify(value)}`,
      { cause: err },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(
      'invalid-argument',
      `${flag}: expected an http(s) URL, got ${url.protocol}`,
    );
  }
  if (url.search !== '' || url.hash !== '') {
    throw new UsageError(
      'invalid-argument',
      `${flag}: expected a base URL without query or fragment, got ${JSON.stringify(value)}`,
    );
  }
  if (!url.pathname.endsWith('/')) url.pathname = `${url.pathname}/`;
  return url.href;
}

async function removeDir(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true });
  } catch (err) {
    throw new StorageError(
      'io',
      `${dir}: expected a removable directory, got ${errnoCode(err) ?? 'an error'}`,
      { cause: err },
    );
  }
}
