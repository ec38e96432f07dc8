// Why this file exists: under tsx or vitest the worker sources are TypeScript, and a worker thread
// does not inherit the parent's loader. This shim registers tsx in the new thread, then loads the
// real worker module named as the last argv entry. Built packages never use it (dist/ is JS).
import { register } from 'tsx/esm/api';

register();
const target = process.argv[process.argv.length - 1];
const worker = await import(target);
export default worker.default;
