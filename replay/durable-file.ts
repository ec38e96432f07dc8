// Why this file exists: a small file that must survive a crash whole (a checkpoint, the stored
// configuration, the sequence reservation) is written the same way every time: to a temporary
// name, fsynced, renamed over the old one, and the directory fsynced so the rename itself lasts.

import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Replaces `file` with `text` so that a crash leaves either the old content or the new, whole. */
export function writeFileDurably(file: string, text: string): void {
  const temp = `${file}.tmp`;
  const fd = openSync(temp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
  fsyncDirectory(dirname(file));
}
