#!/usr/bin/env node
// Why this file exists: the `matchlog` bin. Everything is in program.ts (testable in-process);
// this only runs it on the process arguments and sets the exit code (letting stdout drain).

import { run } from './program.js';

process.exitCode = await run(process.argv.slice(2));
