// Tests that spawn bin/*.js need dist/: `npm test` builds first (pretest); a direct vitest run
// builds here when dist is missing or older than the sources.
import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs);
  }
  return newest;
}

/** Runs `tsc -p tsconfig.build.json` unless dist/src is newer than every file under src/. */
export async function ensureBuilt(): Promise<void> {
  const built = await Promise.all(
    ['dist/src/cli/main-mirror.js', 'dist/src/cli/main-download.js', 'dist/src/demo/main.js'].map(
      (p) =>
        stat(join(ROOT, p)).then(
          (s) => s.mtimeMs,
          () => 0,
        ),
    ),
  );
  if (Math.min(...built) > (await newestMtime(join(ROOT, 'src')))) return;
  await new Promise<void>((resolve, reject) => {
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    // Type errors elsewhere do not stop emit; only a failure to run tsc at all is fatal here.
    execFile(
      process.execPath,
      [tsc, '-p', join(ROOT, 'tsconfig.build.json')],
      { cwd: ROOT },
      (err) => {
        if (err === null || err.code === 1 || err.code === 2) resolve();
        else reject(new Error(`tsc: ${err.message}`, { cause: err }));
      },
    );
  });
}
