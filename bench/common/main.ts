// Why this file exists: bench modules are both libraries (imported by drivers and experiments)
// and scripts (`tsx bench/x.ts`); they run their CLI only when executed directly.

import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** True when the module with this `import.meta.url` is the script Node was started with. */
export function isMainModule(importMetaUrl: string): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(importMetaUrl));
  } catch {
    return false;
  }
}
