// Installs what the project needs on a fresh clone, so the README's quick-start commands work
// without a separate install step. Runs on whatever Node is on the machine.
//   node scripts/ensure-deps.mjs          npm dependencies (npm ci) when they are missing
//   node scripts/ensure-deps.mjs --test   also libfaketime, used by the conformance-scenario tests
import { existsSync } from 'node:fs';
import { execSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (
  !existsSync(join(root, 'node_modules', '.bin', 'node')) ||
  !existsSync(join(root, 'node_modules', 'vitest'))
) {
  console.error('repository-playground: installing dependencies (npm ci) ...');
  execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
}

if (process.argv.includes('--test') && spawnSync('faketime', ['-f', '+0', 'true']).status !== 0) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    console.error('repository-playground: installing faketime (Debian package) for the tests ...');
    execSync(
      'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime',
      {
        stdio: 'inherit',
        shell: '/bin/sh',
      },
    );
  } else {
    console.error(
      'repository-playground: the tests need faketime (libfaketime); install it, e.g. `sudo apt-get install faketime`.',
    );
    process.exit(1);
  }
}
