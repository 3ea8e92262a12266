// The browsable index.html of a published tree: roles with versions, expiry, signers and
// thresholds, the delegation tree, targets per role and the commit. Every string taken from
// metadata or git (role names, paths, key owners, commit subjects) is attacker-influenced and
// goes through `esc`; links are built from the same escaped, percent-encoded names.
import type { CommitInfo } from './git-reader.js';
import {
  type Envelope,
  type Key,
  type RoleKeys,
  type Signed,
  signatureStatus,
  hashPrefixedPath,
} from '../core/index.js';
import type { VerifiedMetadata } from './verify-metadata.js';

/** Most target rows on the page; a PEP 458-sized repository lists counts beyond this. */
const MAX_TARGET_ROWS = 2000;
/** Most delegation rows on the page. */
const MAX_ROLE_ROWS = 1000;

/** HTML-escapes text for element content and quoted attribute values. */
function esc(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Percent-encodes each path segment for an href (then escaped for the attribute). */
function href(path: string): string {
  return esc(path.split('/').map(encodeURIComponent).join('/'));
}

export interface IndexInput {
  readonly verified: VerifiedMetadata;
  readonly commit: CommitInfo;
  readonly ref: string;
}

/** Renders the page. */
export function renderIndexHtml(input: IndexInput): string {
  const { verified, commit } = input;
  const root = verified.trusted.root;
  const out: string[] = [];
  out.push(
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
  );
  out.push('<title>TUF repository</title>', `<style>${STYLE}</style></head><body>`);
  out.push('<h1>TUF repository</h1>');
  out.push(
    `<p>Built from commit <code>${esc(commit.oid)}</code> (${esc(input.ref)}, ${esc(commit.date)}): ${esc(commit.subject)}<br>`,
  );
  // No build time on the page: an unchanged commit then gives an unchanged (unrewritten) file.
  out.push(
    'Verified as a fresh client would. Metadata: <a href="metadata/">metadata/</a>, artifacts: <a href="targets/">targets/</a>.</p>',
  );
  out.push('<h2>Top-level roles</h2>', roleTableHead());
  const rootRoles = root.signed.roles;
  out.push(
    roleRow(
      'root',
      `metadata/${root.signed.version}.root.json`,
      root,
      rootRoles.root,
      root.signed.keys,
    ),
  );
  out.push(
    roleRow(
      'timestamp',
      'metadata/timestamp.json',
      verified.timestamp,
      rootRoles.timestamp,
      root.signed.keys,
    ),
  );
  out.push(
    roleRow(
      'snapshot',
      `metadata/${verified.snapshot.signed.version}.snapshot.json`,
      verified.snapshot,
      rootRoles.snapshot,
      root.signed.keys,
    ),
  );
  const targets = verified.roles.get('targets');
  if (targets)
    out.push(
      roleRow(
        'targets',
        `metadata/${targets.env.signed.version}.targets.json`,
        targets.env,
        rootRoles.targets,
        root.signed.keys,
      ),
    );
  out.push('</table>');
  out.push('<h2>Root history</h2><p>');
  out.push(
    verified.roots
      .map((r) => `<a href="${href(`metadata/${r.version}.root.json`)}">v${r.version}</a>`)
      .join(' '),
  );
  out.push('</p>');
  out.push(...delegationSection(verified));
  out.push(...targetsSection(verified));
  out.push('</body></html>', '');
  return out.join('\n');
}

function roleTableHead(): string {
  return '<table><tr><th>role</th><th>version</th><th>expires</th><th>threshold</th><th>signers</th></tr>';
}

/** How a delegated role's first cell shows its place in the tree. */
interface TreeCell {
  readonly depth: number;
  readonly delegator: string;
}

function roleRow(
  name: string,
  file: string,
  env: Envelope<Signed>,
  role: RoleKeys,
  keys: ReadonlyMap<string, Key>,
  tree?: TreeCell,
): string {
  const checkSignatures = tree === undefined;
  const statuses = checkSignatures ? signatureStatus(env, role, keys) : presence(env, role);
  const signers = statuses
    .map((s) => {
      const owner = keyOwner(keys.get(s.keyid));
      const label = `${s.keyid.slice(0, 12)}${owner ? ` (${owner})` : ''}`;
      return `<span class="${s.status === 'valid' || s.status === 'signed' ? 'ok' : 'no'}">${esc(label)}: ${esc(s.status)}</span>`;
    })
    .join('<br>');
  // Built directly (never by String.replace, whose "$&" / "$`" patterns would splice the row).
  const first = tree
    ? `<td style="padding-left:${tree.depth * 1.5 + 0.4}em"><a href="${href(file)}">${esc(name)}</a> <small>(${esc(tree.delegator)})</small></td>`
    : `<td><a href="${href(file)}">${esc(name)}</a></td>`;
  return `<tr>${first}<td>${env.signed.version}</td><td>${esc(env.signed.expires)}</td><td>${role.threshold} of ${role.keyids.length}</td><td>${signers}</td></tr>`;
}

// Every role on the page met its threshold when verified; for delegated roles (thousands of
// hash bins) the page shows who signed without verifying each signature a second time.
function presence(env: Envelope<Signed>, role: RoleKeys): { keyid: string; status: string }[] {
  return role.keyids.map((keyid) => {
    const sig = env.signaturesByKeyid.get(keyid);
    return { keyid, status: sig === undefined ? 'missing' : sig.sig === '' ? 'empty' : 'signed' };
  });
}

// tuf-on-ci records who holds a key in a custom key field.
function keyOwner(key: Key | undefined): string | undefined {
  const owner = key?.json['x-tuf-on-ci-keyowner'];
  return typeof owner === 'string' ? owner : undefined;
}

function delegationSection(verified: VerifiedMetadata): string[] {
  const out = ['<h2>Delegations</h2>'];
  const children = new Map<string, string[]>();
  for (const e of verified.edges) {
    const list = children.get(e.delegator);
    if (list) list.push(e.role);
    else children.set(e.delegator, [e.role]);
  }
  if (verified.edges.length === 0)
    return [...out, '<p>None: top-level targets lists every target.</p>'];
  out.push(roleTableHead().replace('<th>role</th>', '<th>role (delegator)</th>'));
  const seen = new Set<string>();
  // Depth-first from targets, each edge once; indentation shows the tree. Rows are capped: a
  // PEP 458 repository has thousands of bins, all alike.
  const walk = (delegator: string, depth: number): void => {
    for (const name of children.get(delegator) ?? []) {
      const key = `${delegator}\u0000${name}`;
      if (seen.has(key) || seen.size >= MAX_ROLE_ROWS) continue;
      seen.add(key);
      const role = verified.roles.get(name);
      const auth = verified.trusted.authorization(name, delegator);
      if (!role || !auth) continue;
      const file = `metadata/${role.env.signed.version}.${name}.json`;
      out.push(roleRow(name, file, role.env, auth.role, auth.keys, { depth, delegator }));
      walk(name, depth + 1);
    }
  };
  walk('targets', 0);
  out.push('</table>');
  if (verified.edges.length > seen.size)
    out.push(`<p>${verified.edges.length - seen.size} more delegations not shown.</p>`);
  return out;
}

function targetsSection(verified: VerifiedMetadata): string[] {
  const out = ['<h2>Targets</h2>'];
  let rows = 0;
  for (const role of verified.roles.values()) {
    const entries = [...role.env.signed.targets.values()];
    out.push(
      `<h3>${esc(role.name)} <small>(${entries.length} target${entries.length === 1 ? '' : 's'})</small></h3>`,
    );
    if (entries.length === 0) continue;
    out.push('<table><tr><th>path</th><th>length</th><th>sha256</th></tr>');
    for (const t of entries) {
      if (rows >= MAX_TARGET_ROWS) break;
      rows++;
      const hash = t.hashes['sha256'] ?? Object.values(t.hashes)[0] ?? '';
      const file = `targets/${hashPrefixedPath(t.path, hash)}`;
      out.push(
        `<tr><td><a href="${href(file)}">${esc(t.path)}</a></td><td>${t.length}</td><td><code>${esc(hash.slice(0, 16))}</code></td></tr>`,
      );
    }
    out.push('</table>');
    if (rows >= MAX_TARGET_ROWS) {
      out.push(
        `<p>Listing stops after ${MAX_TARGET_ROWS} targets; the metadata lists them all.</p>`,
      );
      break;
    }
  }
  return out;
}

const STYLE = [
  'body{font-family:system-ui,sans-serif;margin:2em;max-width:80em}',
  'table{border-collapse:collapse;margin-bottom:1em}',
  'td,th{border:1px solid #ccc;padding:.2em .4em;text-align:left;vertical-align:top}',
  'code{font-size:.9em}.ok{color:#060}.no{color:#900}',
].join('');
