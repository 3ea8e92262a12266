// The dependencies need Node.js >= 22.19. On an older Node, re-run this executable with the Node
// binary the project installs (the `node` devDependency) when there is one; otherwise say so
// clearly instead of failing with a stack trace from deep inside a dependency.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  const bundled = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
  if (existsSync(bundled) && process.env.PG_NODE_REEXEC !== '1') {
    const result = spawnSync(bundled, process.argv.slice(1), {
      stdio: 'inherit',
      env: { ...process.env, PG_NODE_REEXEC: '1' },
    });
    process.exit(result.status ?? 1);
  }
  process.stderr.write(
    `repository-playground needs Node.js >= 22.19 (this is ${process.version}).\n` +
      'In a clone of the repository, run `npm ci` once: it installs a suitable Node for these executables.\n',
  );
  process.exit(3);
}
