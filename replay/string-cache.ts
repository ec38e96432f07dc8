// Why this file exists: a record's strings (accounts, string ids) and a matching worker's answers
// (makers' ids and accounts) arrive as UTF-16 code units, and the same few strings repeat on
// almost every record. Building a JS string from units (String.fromCharCode.apply over a reused
// array) costs ~0.6 us; comparing the units against a remembered string costs a few ns. The
// readers had a direct-mapped cache of 1,024 slots each, where two frequent strings that share a
// slot evict each other on every alternation. Counted over the mixed stream's 200,000 records (the
// account of each): with its 100 accounts 4.0% of records built their account string, with 1,000
// accounts 34%; with two ways per set (most recent first) and 2,048 sets, 0.05% (each account once)
// and 2.4%. Bounded: 4,096 strings.

/** Sets of the cache (a power of two); each holds WAYS strings. */
const SETS = 2048;
const WAYS = 2;
/** Reused code units of the string being built. */
const UNITS: number[] = [];

/** Whether `s` is exactly the `length` units (u16, little-endian) at b[o]. */
function sameUnits(s: string, b: Uint8Array, o: number, length: number): boolean {
  if (s.length !== length) return false;
  for (let i = 0, j = o; i < length; i++, j += 2) {
    if (s.charCodeAt(i) !== (b[j] | (b[j + 1] << 8))) return false;
  }
  return true;
}

/** Strings read from UTF-16 units, remembered by a hash of their units (bounded: SETS * WAYS strings). */
export class Utf16StringCache {
  private readonly strings: string[] = new Array<string>(SETS * WAYS).fill('');
  /** Strings built so far (misses): how well the cache holds what repeats (tests, profiles). */
  built = 0;

  /**
   * The string of the `length` UTF-16 units (u16 little-endian each) at b[o] (the caller checked
   * they are in range). The same string instance while it stays cached; lone surrogates kept.
   */
  get(b: Uint8Array, o: number, length: number): string {
    const end = o + 2 * length;
    let hash = length;
    for (let i = o; i < end; i += 2) hash = Math.imul(hash ^ (b[i] | (b[i + 1] << 8)), 0x01000193);
    const at = ((hash ^ (hash >>> 15)) & (SETS - 1)) * WAYS;
    const strings = this.strings;
    const first = strings[at];
    if (sameUnits(first, b, o, length)) return first;
    const second = strings[at + 1];
    if (sameUnits(second, b, o, length)) {
      strings[at] = second;
      strings[at + 1] = first;
      return second;
    }
    // fromCharCode over code units keeps lone surrogates exactly (a UTF-8 or UTF-16 decoder
    // would replace them).
    UNITS.length = length;
    for (let i = 0, j = o; i < length; i++, j += 2) UNITS[i] = b[j] | (b[j + 1] << 8);
    const s = String.fromCharCode.apply(null, UNITS);
    this.built++;
    strings[at + 1] = first;
    strings[at] = s;
    return s;
  }
}
