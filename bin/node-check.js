// Refuses to start on a Node.js older than the dependencies support, with a clear message
// instead of a stack trace from deep inside a dependency.
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(
    `repository-playground needs Node.js >= 22.19 (this is ${process.version}).\n` +
      'Inside a clone of the repository, run it through npm (npm run demo, npx pg-download ...) to use the bundled Node.\n',
  );
  process.exit(3);
}
