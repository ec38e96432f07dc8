// Why this file exists: one build for both module systems. tsc writes the ES modules and their
// declarations to dist/; esbuild then turns each of those files (one in, one out, no bundling, so
// worker files stay beside their hosts) into CommonJS under dist/cjs/, where a package.json marks
// the folder CommonJS and a copy of each declaration file types it for `require` users.
// Why esbuild and not a second tsc pass: the worker hosts locate their worker files with
// import.meta.url, which tsc refuses to compile to CommonJS; esbuild replaces it with the
// equivalent URL of __filename. No source maps: the sources are not shipped, and maps that point
// at missing files only mislead debuggers (and were 258 kB of the package).
// Run by `npm run build`, and so by `prepare` (npm pack, npm publish, installs from git).

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const CJS = join(DIST, 'cjs');
/** The command line is an ES module program only (its bin entry); CommonJS users get the library. */
const ESM_ONLY = ['cli'];

const IMPORT_META_URL = '__matchlogModuleUrl';
const CJS_BANNER = `const ${IMPORT_META_URL} = require("node:url").pathToFileURL(__filename).href;`;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

function main(): void {
  rmSync(DIST, { recursive: true, force: true });
  const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], {
    stdio: ['ignore', process.stderr, process.stderr], // stdout stays clean for `npm pack --json`
  });
  if (tsc.status !== 0) throw new Error(`tsc failed (exit ${tsc.status ?? tsc.signal})`);

  let modules = 0;
  for (const file of filesUnder(DIST)) {
    const path = relative(DIST, file);
    if (ESM_ONLY.some((folder) => path.startsWith(`${folder}/`))) continue;
    const target = join(CJS, path);
    mkdirSync(dirname(target), { recursive: true });
    if (path.endsWith('.d.ts')) {
      copyFileSync(file, target);
    } else if (path.endsWith('.js')) {
      const source = readFileSync(file, 'utf8');
      const { code } = transformSync(source, {
        format: 'cjs',
        platform: 'node',
        target: 'node20',
        define: { 'import.meta.url': IMPORT_META_URL },
        banner: source.includes('import.meta.url') ? CJS_BANNER : '',
        sourcefile: path,
      });
      writeFileSync(target, code);
      modules++;
    }
  }
  writeFileSync(join(CJS, 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
  process.stderr.write(`build: dist/ (ES modules) and dist/cjs/ (${modules} CommonJS modules)\n`);
}

main();
