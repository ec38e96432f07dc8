// Why this file exists: the engine's published figures held for integer ids and one account;
// venues send string client order ids from thousands of accounts (issue 11). Every workload is
// timed in four id/account variants of the SAME seeded stream (same prices, quantities, order of
// commands; only ids and account names differ), so their ratios isolate the cost of ids/accounts.
// Workloads use STP `none`, so accounts never change an outcome and every variant produces the
// same trades and book. String ids are realistic client ids (13 units), and every command gets
// its own string objects, as commands parsed off the wire do: a cancel's id is equal in content
// to, but not the same object as, the id the order was placed with.

import type { OrderCommand as Command } from '../../engine/index.js';

export const ID_VARIANTS = ['int-1acct', 'str-1acct', 'str-1000acct', 'str-acct-per-order'] as const;
export type IdVariant = (typeof ID_VARIANTS)[number];

export const ID_VARIANT_TITLES: Readonly<Record<IdVariant, string>> = Object.freeze({
  'int-1acct': 'integer ids, 1 account',
  'str-1acct': 'string ids, 1 account',
  'str-1000acct': 'string ids, 1,000 accounts',
  'str-acct-per-order': 'string ids, a new account per order',
});

const MANY_ACCOUNTS = 1_000;
/** Account names of the 1,000-account variant: built once, as a venue's session table would. */
const ACCOUNT_NAMES = Array.from({ length: MANY_ACCOUNTS }, (_, i) => `acct-${i}`);

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A fresh string as a wire decoder would produce it: a new flat string object per call (equal
 * content for equal ids). Template literals of 13+ units would make V8 cons strings, which no
 * decoder hands an application and which cost a flattening on first read.
 */
export function wireString(text: string): string {
  return decoder.decode(encoder.encode(text));
}

/** Client order id of order `id` (13 units). */
export function stringId(id: number): string {
  return wireString(`CL${String(id).padStart(11, '0')}`);
}

function accountOf(variant: IdVariant, id: number): string {
  switch (variant) {
    case 'int-1acct':
    case 'str-1acct':
      return 'acct-0';
    case 'str-1000acct':
      // A fixed scramble of the id: the owner is a function of the order, so cancels match.
      return ACCOUNT_NAMES[(Math.imul(id, 0x9e3779b1) >>> 0) % MANY_ACCOUNTS];
    case 'str-acct-per-order':
      return wireString(`one-shot-${id}`);
  }
}

/** The stream in `variant` (integer ids 1.. in, as every generator produces). Untimed. */
export function withIdVariant(commands: readonly Command[], variant: IdVariant): Command[] {
  const stringIds = variant !== 'int-1acct';
  return commands.map((command) => {
    const n = command.id as number;
    const id = stringIds ? stringId(n) : n;
    return { ...command, id, account: accountOf(variant, n) } as Command;
  });
}
