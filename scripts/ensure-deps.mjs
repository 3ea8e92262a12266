// Installs the project's dependencies on a fresh clone, so that the README's quick-start
// commands work without a separate install step. Runs on whatever Node is on the machine.
import { existsSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const marker = join(root, 'node_modules', '.bin', 'node');
if (!existsSync(marker) || !existsSync(join(root, 'node_modules', 'vitest'))) {
  console.error('repository-playground: installing dependencies (npm ci) ...');
  execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
}
