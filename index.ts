// Why this file exists: the package's public surface. Re-exports only.
export * from './engine/index.js';
