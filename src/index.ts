// Library surface of the package: the TUF client and the core model, for programs that embed it.
export * from './core/index.js';
export * from './client/index.js';
