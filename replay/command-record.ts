// Why this file exists: a command is validated once and then written ONCE as this binary record;
// those bytes are what the log stores and what recovery and `matchlog verify` read back (and
// what a replicated log publishes: the codec encodes to a Uint8Array and needs nothing of LMDB).
// Decoding fills a reusable ParsedCommand, so replay builds no command object per record, and
// needs no second validation: the record is exactly what admission produced. The msgpackr
// object it replaces cost a pack on the caller's thread, an object and a re-parse on replay.
//
// Record layout, format RECORD_VERSION (integers little-endian; "f64" is an IEEE double holding a
// safe integer exactly; strings are a u8 count of UTF-16 code units then the units, u16 each, so
// every string — lone surrogates included — comes back identical):
//   [0]       u8   RECORD_VERSION
//   [1]       u8   kind: 0 new, 1 cancel, 2 modify, 3 mark, 4 add_instrument, 5 halt, 6 resume
//   [2, 4)    u16  bit fields (BIT_FIELDS, low bits first) and ID_IS_STRING (bit 15)
//   [4, 8)    u32  crc32c of bytes [0, 4) then [8, end)
//   [8, 16)   f64  seq, or 0 when the log assigns the order after encoding (a replicated
//                  stream): the record is then numbered by where the log holds it
// commands (kinds 0-2 and 4-6):
//   [16, 24)  f64  time
//   then each NUMBER_FIELDS entry whose kinds include this one, in table order (u32 or f64)
//   orders (0-2): then the id: f64, or a string when ID_IS_STRING; then the account: string
//   add_instrument (4): then the symbol: string (its index is the next one: the count so far)
//   halt, resume (5, 6): nothing more (the instrument index names it)
// marks (kind 3):
//   [16, 24)  f64  upto;  [24, 32) f64 commands;  then digest: string;  then stateHash: string
//   (count 0 = absent)
// A record fills its bytes exactly: trailing or missing bytes are damage.
//
// A new field is one line in NUMBER_FIELDS or BIT_FIELDS plus a RECORD_VERSION bump; readers
// refuse versions they do not know (CommandRecordError 'RECORD_VERSION'). The instrument is
// carried as its index in configuration order: the stored config pins the first ones, and every
// later one is the add_instrument record that listed it, so the decoder's symbol table grows as
// it reads (it is the engine's own, live). Version 2 added kinds 4-6; version 1 logs (kinds 0-3,
// same layout) are still read.

import { crc32c } from '../wal/index.js';
import { ParsedCommand, ORDER_TYPE_NAMES, type OrderId } from '../engine/index.js';
import type { MarkRecord } from './records.js';

export const RECORD_VERSION = 2;
/** The first format; its records (kinds 0-3) read exactly as before. */
const RECORD_VERSION_ORDERS_ONLY = 1;
export const KIND_NEW = 0;
export const KIND_CANCEL = 1;
export const KIND_MODIFY = 2;
export const KIND_MARK = 3;
export const KIND_ADD_INSTRUMENT = 4;
export const KIND_HALT = 5;
export const KIND_RESUME = 6;
const KINDS = 7;
const OP_KIND: Record<string, number> = {
  new: KIND_NEW,
  cancel: KIND_CANCEL,
  modify: KIND_MODIFY,
  add_instrument: KIND_ADD_INSTRUMENT,
  halt: KIND_HALT,
  resume: KIND_RESUME,
};
const KIND_OP = ['new', 'cancel', 'modify', 'mark', 'add_instrument', 'halt', 'resume'] as const;
const ORDER_TYPE_CODE: Record<string, number> = { limit: 0, market: 1, stop_limit: 2, stop_market: 3, oco: 4 };

const HEADER_BYTES = 16;
/** The seq a record is encoded with when its log assigns the order (e.g. a JetStream stream). */
export const SEQ_BY_LOG = 0;
const CRC_OFFSET = 4;
const ID_IS_STRING = 1 << 15;
/** Longest string a record carries (ids and accounts are ≤ 64 units, digests 16, state hashes 64). */
export const RECORD_STRING_UNITS_MAX = 255;
const NEW = 1 << KIND_NEW;
const MODIFY = 1 << KIND_MODIFY;
const ADD = 1 << KIND_ADD_INSTRUMENT;
const HALT_OR_RESUME = (1 << KIND_HALT) | (1 << KIND_RESUME);
/** Kinds that carry an order id and an account. */
const ORDER_KINDS = (1 << KIND_NEW) | (1 << KIND_CANCEL) | (1 << KIND_MODIFY);

interface NumberField {
  readonly name: string;
  readonly width: 4 | 8;
  /** Bit set of the kinds that carry it. */
  readonly kinds: number;
  readonly get: (p: ParsedCommand) => number;
  readonly set: (p: ParsedCommand, value: number) => void;
}

interface BitField {
  readonly name: string;
  readonly bits: number;
  readonly kinds: number;
  readonly get: (p: ParsedCommand) => number;
  readonly set: (p: ParsedCommand, value: number) => void;
}

/** The numeric fields of a command after time, in record order. One line each. */
const NUMBER_FIELDS: readonly NumberField[] = [
  { name: 'instrument', width: 4, kinds: NEW | HALT_OR_RESUME, get: (p) => p.instrument, set: (p, v) => void (p.instrument = v) },
  { name: 'price', width: 8, kinds: NEW | MODIFY, get: (p) => p.price, set: (p, v) => void (p.price = v) },
  { name: 'qty', width: 8, kinds: NEW | MODIFY, get: (p) => p.qty, set: (p, v) => void (p.qty = v) },
  { name: 'stopPrice', width: 8, kinds: NEW | MODIFY, get: (p) => p.stopPrice, set: (p, v) => void (p.stopPrice = v) },
  { name: 'stopLimitPrice', width: 8, kinds: NEW, get: (p) => p.stopLimitPrice, set: (p, v) => void (p.stopLimitPrice = v) },
  { name: 'expireTime', width: 8, kinds: NEW, get: (p) => p.expireTime, set: (p, v) => void (p.expireTime = v) },
  { name: 'displayQty', width: 4, kinds: NEW, get: (p) => p.displayQty, set: (p, v) => void (p.displayQty = v) },
  { name: 'tickSize', width: 8, kinds: ADD, get: (p) => p.tickSize, set: (p, v) => void (p.tickSize = v) },
  { name: 'lotSize', width: 8, kinds: ADD, get: (p) => p.lotSize, set: (p, v) => void (p.lotSize = v) },
  { name: 'minPrice', width: 8, kinds: ADD, get: (p) => p.minPrice, set: (p, v) => void (p.minPrice = v) },
  { name: 'maxPrice', width: 8, kinds: ADD, get: (p) => p.maxPrice, set: (p, v) => void (p.maxPrice = v) },
  { name: 'maxQty', width: 8, kinds: ADD, get: (p) => p.maxQty, set: (p, v) => void (p.maxQty = v) },
];

/** The small enumerations and flags, packed into the u16 at [2, 4) from bit 0 up. One line each. */
const BIT_FIELDS: readonly BitField[] = [
  { name: 'side', bits: 1, kinds: NEW, get: (p) => p.side, set: (p, v) => void (p.side = v) },
  { name: 'orderType', bits: 3, kinds: NEW, get: (p) => ORDER_TYPE_CODE[p.orderType], set: (p, v) => void (p.orderType = ORDER_TYPE_NAMES[v]) },
  { name: 'tif', bits: 2, kinds: NEW, get: (p) => p.tif, set: (p, v) => void (p.tif = v) },
  { name: 'stp', bits: 2, kinds: NEW, get: (p) => p.stp, set: (p, v) => void (p.stp = v) },
  { name: 'postOnly', bits: 1, kinds: NEW, get: (p) => (p.postOnly ? 1 : 0), set: (p, v) => void (p.postOnly = v === 1) },
  { name: 'hasPrice', bits: 1, kinds: MODIFY, get: (p) => (p.hasPrice ? 1 : 0), set: (p, v) => void (p.hasPrice = v === 1) },
  { name: 'hasQty', bits: 1, kinds: MODIFY, get: (p) => (p.hasQty ? 1 : 0), set: (p, v) => void (p.hasQty = v === 1) },
  { name: 'hasStopPrice', bits: 1, kinds: MODIFY, get: (p) => (p.hasStopPrice ? 1 : 0), set: (p, v) => void (p.hasStopPrice = v === 1) },
];

/** Per kind: the fields it carries, resolved once so the hot loops skip the kind test. */
const NUMBERS_BY_KIND: NumberField[][] = [];
const BITS_BY_KIND: Array<Array<BitField & { shift: number; mask: number }>> = [];
{
  let shift = 0;
  const placed = BIT_FIELDS.map((field) => {
    const out = { ...field, shift, mask: (1 << field.bits) - 1 };
    shift += field.bits;
    return out;
  });
  if (shift > 15) throw new Error('assertion: bit fields fit below ID_IS_STRING');
  for (let kind = 0; kind < KINDS; kind++) {
    NUMBERS_BY_KIND.push(NUMBER_FIELDS.filter((f) => (f.kinds & (1 << kind)) !== 0));
    BITS_BY_KIND.push(placed.filter((f) => (f.kinds & (1 << kind)) !== 0));
  }
}

/**
 * The layout of a `new` as the tables above place it, for the encoder's unrolled path (the hot
 * one: most commands are new orders). Checked against the tables at load, so a field added to
 * NUMBER_FIELDS or BIT_FIELDS for `new` without updating `encodeNew` fails at once, never writes
 * another layout. Why unrolled: the table loop calls each field's getter through one call site
 * (megamorphic: 12 closures), which was most of `encodeCommand`'s own time in the exchange
 * thread's profile after the checksum.
 */
const NEW_NUMBERS_LAYOUT = 'instrument:4 price:8 qty:8 stopPrice:8 stopLimitPrice:8 expireTime:8 displayQty:4';
const NEW_BITS_LAYOUT = 'side:1 orderType:3 tif:2 stp:2 postOnly:1';
if (NUMBERS_BY_KIND[KIND_NEW].map((f) => `${f.name}:${f.width}`).join(' ') !== NEW_NUMBERS_LAYOUT) {
  throw new Error('assertion: the numbers of a new order changed; update CommandRecordEncoder.encodeNew');
}
if (BITS_BY_KIND[KIND_NEW].map((f) => `${f.name}:${f.bits}`).join(' ') !== NEW_BITS_LAYOUT) {
  throw new Error('assertion: the bit fields of a new order changed; update CommandRecordEncoder.encodeNew');
}
const [SIDE_BITS, TYPE_BITS, TIF_BITS, STP_BITS, POST_ONLY_BITS] = BITS_BY_KIND[KIND_NEW];

/**
 * The layouts of a cancel and a modify, for the decoder's unrolled paths (checked at load as the
 * new order's are). Why unrolled on the decoding side too: the table loop's per-field setter
 * closures (one megamorphic call site) were ~half of `decode`'s own time in the matching worker's
 * profile (bench/exchange/replica-cost.ts), and new orders and cancels are almost every record.
 */
const CANCEL_LAYOUT = '|';
const MODIFY_LAYOUT = 'price:8 qty:8 stopPrice:8|hasPrice:1 hasQty:1 hasStopPrice:1';
const layoutOf = (kind: number): string =>
  `${NUMBERS_BY_KIND[kind].map((f) => `${f.name}:${f.width}`).join(' ')}|${BITS_BY_KIND[kind].map((f) => `${f.name}:${f.bits}`).join(' ')}`;
if (layoutOf(KIND_CANCEL) !== CANCEL_LAYOUT) throw new Error('assertion: the fields of a cancel changed; update CommandRecordDecoder.decodeCancel');
if (layoutOf(KIND_MODIFY) !== MODIFY_LAYOUT) throw new Error('assertion: the fields of a modify changed; update CommandRecordDecoder.decodeModify');
const [HAS_PRICE_BITS, HAS_QTY_BITS, HAS_STOP_PRICE_BITS] = BITS_BY_KIND[KIND_MODIFY];
/** The shifts and masks as plain constants (the hot decode reads no object for them). */
const SIDE_SHIFT = SIDE_BITS.shift;
const SIDE_MASK = SIDE_BITS.mask;
const TYPE_SHIFT = TYPE_BITS.shift;
const TYPE_MASK = TYPE_BITS.mask;
const TIF_SHIFT = TIF_BITS.shift;
const TIF_MASK = TIF_BITS.mask;
const STP_SHIFT = STP_BITS.shift;
const STP_MASK = STP_BITS.mask;
const POST_ONLY_SHIFT = POST_ONLY_BITS.shift;
/** Where a new order's id starts (after time and its numbers), and a modify's. */
const NEW_ID_AT = 72;
const MODIFY_ID_AT = 48;

/** Bytes the longest command record takes: header, time, every number, two longest strings. */
export const COMMAND_RECORD_BYTES_MAX =
  HEADER_BYTES + 8 + NUMBER_FIELDS.reduce((sum, f) => sum + f.width, 0) + 2 * (1 + 2 * RECORD_STRING_UNITS_MAX);

export type CommandRecordErrorCode = 'RECORD_DAMAGED' | 'RECORD_VERSION' | 'RECORD_FIELD';

/** A record that cannot be decoded (damaged, unknown version) or a value that cannot be encoded. */
export class CommandRecordError extends Error {
  override readonly name = 'CommandRecordError';
  constructor(
    readonly code: CommandRecordErrorCode,
    /** The sequence number of the record. */
    readonly seq: number,
    detail: string,
  ) {
    super(`command record at seq ${seq}: ${detail}`);
  }
}

function writeU32(b: Uint8Array, o: number, value: number): void {
  b[o] = value & 0xff;
  b[o + 1] = (value >>> 8) & 0xff;
  b[o + 2] = (value >>> 16) & 0xff;
  b[o + 3] = value >>> 24;
}

function readU32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

/** Rounded up to 8: a reader may copy the encoder's records as whole 32-bit words. */
function align8(bytes: number): number {
  return (bytes + 7) & ~7;
}

/** Slots of the decoder's string cache (a power of two). */
const STRING_CACHE_SLOTS = 1024;
/** Reused code units of the string being decoded. */
const UNITS: number[] = [];

/**
 * Encodes records into one reused buffer. `encodeCommand` / `encodeMark` return a view of the
 * record's bytes, valid until the next call (a log copies them into its chunk at once).
 */
export class CommandRecordEncoder {
  /**
   * Where every record is written, from offset 0 (`encodeCommandInto` returns where it ends).
   * Valid until the next encode.
   */
  readonly buffer = new Uint8Array(align8(COMMAND_RECORD_BYTES_MAX));
  private readonly view = new DataView(this.buffer.buffer);
  private seq = 0;

  /** The record of `p` (validated by parseCommand, time stamped) at `seq`. */
  encodeCommand(seq: number, p: ParsedCommand): Uint8Array {
    return this.buffer.subarray(0, this.encodeCommandInto(seq, p));
  }

  /**
   * `encodeCommand` without the view: the record is `buffer[0, returned end)`. Why: a view per
   * record was ~95 B of garbage per command on the exchange's thread, and every reader of the
   * bytes (the log, the worker's ring, the backup's gather buffer) copies them anyway.
   */
  encodeCommandInto(seq: number, p: ParsedCommand): number {
    if (p.op === 'new') return this.encodeNew(seq, p);
    this.seq = seq;
    const kind = OP_KIND[p.op as string];
    if (kind === undefined || kind === KIND_MARK) throw new CommandRecordError('RECORD_FIELD', seq, `op ${String(p.op)} is not a command`);
    let bits = 0;
    const bitFields = BITS_BY_KIND[kind];
    for (let i = 0; i < bitFields.length; i++) {
      const f = bitFields[i];
      bits |= (f.get(p) & f.mask) << f.shift;
    }
    const id = p.id;
    if (typeof id === 'string') bits |= ID_IS_STRING;
    this.writeHeader(kind, bits, seq, p.time);
    const v = this.view;
    let o = 24;
    const numbers = NUMBERS_BY_KIND[kind];
    for (let i = 0; i < numbers.length; i++) {
      const f = numbers[i];
      if (f.width === 4) v.setUint32(o, f.get(p), true);
      else v.setFloat64(o, f.get(p), true);
      o += f.width;
    }
    if (((1 << kind) & ORDER_KINDS) === 0) {
      if (kind === KIND_ADD_INSTRUMENT) o = this.writeString(o, p.symbol);
      return this.sealAt(o);
    }
    return this.sealAt(this.writeIdAndAccount(o, id, p.account));
  }

  /** An order's id (a string, or a number as a float64; validated, never null here) and its account from offset `o`; returns the end. */
  private writeIdAndAccount(o: number, id: OrderId | null, account: string): number {
    if (typeof id === 'string') o = this.writeString(o, id);
    else {
      this.view.setFloat64(o, id as number, true);
      o += 8;
    }
    return this.writeString(o, account);
  }

  /** The record's first 24 bytes: version, kind, flag bits, seq and time (frame.ts-style layout above). */
  private writeHeader(kind: number, bits: number, seq: number, time: number): void {
    const b = this.buffer;
    b[0] = RECORD_VERSION;
    b[1] = kind;
    b[2] = bits & 0xff;
    b[3] = bits >>> 8;
    this.view.setFloat64(8, seq, true);
    this.view.setFloat64(16, time, true);
  }

  /** `encodeCommandInto` of a new order, unrolled (NEW_NUMBERS_LAYOUT, NEW_BITS_LAYOUT: checked at load). */
  private encodeNew(seq: number, p: ParsedCommand): number {
    this.seq = seq;
    const id = p.id;
    let bits =
      ((p.side & SIDE_BITS.mask) << SIDE_BITS.shift) |
      ((ORDER_TYPE_CODE[p.orderType] & TYPE_BITS.mask) << TYPE_BITS.shift) |
      ((p.tif & TIF_BITS.mask) << TIF_BITS.shift) |
      ((p.stp & STP_BITS.mask) << STP_BITS.shift) |
      ((p.postOnly ? 1 : 0) << POST_ONLY_BITS.shift);
    if (typeof id === 'string') bits |= ID_IS_STRING;
    this.writeHeader(KIND_NEW, bits, seq, p.time);
    const v = this.view;
    v.setUint32(24, p.instrument, true);
    v.setFloat64(28, p.price, true);
    v.setFloat64(36, p.qty, true);
    v.setFloat64(44, p.stopPrice, true);
    v.setFloat64(52, p.stopLimitPrice, true);
    v.setFloat64(60, p.expireTime, true);
    v.setUint32(68, p.displayQty, true);
    let o = 72;
    return this.sealAt(this.writeIdAndAccount(o, id, p.account));
  }

  /** The record of a digest mark at `seq`. */
  encodeMark(seq: number, mark: MarkRecord): Uint8Array {
    this.seq = seq;
    const b = this.buffer;
    b[0] = RECORD_VERSION;
    b[1] = KIND_MARK;
    b[2] = 0;
    b[3] = 0;
    const v = this.view;
    v.setFloat64(8, seq, true);
    v.setFloat64(16, mark.upto, true);
    v.setFloat64(24, mark.commands, true);
    let o = this.writeString(32, mark.digest);
    o = this.writeString(o, mark.stateHash ?? '');
    return this.seal(o);
  }

  private writeString(o: number, s: string): number {
    const length = s.length;
    if (length > RECORD_STRING_UNITS_MAX) {
      throw new CommandRecordError('RECORD_FIELD', this.seq, `a string of ${length} UTF-16 units exceeds ${RECORD_STRING_UNITS_MAX}`);
    }
    const b = this.buffer;
    b[o++] = length;
    for (let i = 0; i < length; i++, o += 2) {
      const unit = s.charCodeAt(i);
      b[o] = unit & 0xff;
      b[o + 1] = unit >>> 8;
    }
    return o;
  }

  private seal(end: number): Uint8Array {
    return this.buffer.subarray(0, this.sealAt(end));
  }

  /** Writes the checksum of buffer[0, end); returns `end`. */
  private sealAt(end: number): number {
    const b = this.buffer;
    writeU32(b, CRC_OFFSET, crc32c(b, HEADER_BYTES - 8, end, crc32c(b, 0, CRC_OFFSET)));
    return end;
  }
}

/**
 * Decodes records. `decode` checks version, checksum, seq and length, then fills the reused
 * `command` (kinds 0-2) or returns a MarkRecord object (marks are rare).
 */
export class CommandRecordDecoder {
  /** The command of the last record decoded as a command. Reused: copy what must outlive the next call. */
  readonly command = new ParsedCommand();
  /** The mark of the last record decoded as a mark. */
  mark: MarkRecord | null = null;
  private seq = 0;
  private end = 0;
  /** A view of the last source array (a log chunk holds many records: one view per chunk). */
  private view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(8));
  private viewOf: Uint8Array | null = null;

  /**
   * `symbols[i]`: the symbol of instrument i (configuration order). Read live: the replayer passes
   * its engine's table, which an applied add_instrument extends before the next record is read.
   */
  constructor(private readonly symbols: readonly string[]) {}

  /**
   * Decodes bytes[start, end), which the log holds at `seq`. Returns the kind (KIND_MARK for a
   * mark, which is left in `mark`; a command kind fills `command`). Throws CommandRecordError
   * naming `seq` for a damaged record or an unknown version. `checksumChecked`: this very record's
   * checksum was already checked by whoever handed it over (the opening thread, for the backup that
   * follows its replay: backup-follow.ts), so it is not computed a second time.
   */
  decode(bytes: Uint8Array, start: number, end: number, seq: number, checksumChecked = false): number {
    this.seq = seq;
    this.end = end;
    if (end - start < HEADER_BYTES) this.damaged(`${end - start} bytes is shorter than a record header`);
    const version = bytes[start];
    if (version !== RECORD_VERSION && version !== RECORD_VERSION_ORDERS_ONLY) {
      throw new CommandRecordError('RECORD_VERSION', seq, `unknown record format version ${version} (this build reads ${RECORD_VERSION})`);
    }
    if (!checksumChecked) {
      const stored = readU32(bytes, start + CRC_OFFSET);
      const crc = crc32c(bytes, start + 8, end, crc32c(bytes, start, start + CRC_OFFSET));
      if (crc !== stored) {
        this.damaged(`checksum mismatch (stored 0x${stored.toString(16).padStart(8, '0')}, computed 0x${crc.toString(16).padStart(8, '0')})`);
      }
    }
    if (bytes !== this.viewOf) {
      this.viewOf = bytes;
      this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    const v = this.view;
    const recordSeq = v.getFloat64(start + 8, true);
    if (recordSeq !== seq && recordSeq !== SEQ_BY_LOG) this.damaged(`record carries seq ${recordSeq}`);
    const kind = bytes[start + 1];
    // The unrolled paths (the same fields, the same checks as the table loop below).
    if (kind === KIND_NEW) return this.decodeNew(bytes, start, v);
    if (kind === KIND_CANCEL) return this.decodeCancel(bytes, start, v);
    if (kind === KIND_MODIFY) return this.decodeModify(bytes, start, v);
    if (kind === KIND_MARK) {
      this.need(start + 32);
      const upto = v.getFloat64(start + 16, true);
      const commands = v.getFloat64(start + 24, true);
      let o = this.readString(bytes, start + 32);
      const digest = this.lastString;
      o = this.readString(bytes, o);
      const mark: MarkRecord = { op: 'mark', upto, commands, digest };
      if (this.lastString.length > 0) mark.stateHash = this.lastString;
      this.finish(o);
      this.mark = mark;
      return kind;
    }
    if (kind >= KINDS || (version === RECORD_VERSION_ORDERS_ONLY && kind > KIND_MARK)) this.damaged(`unknown record kind ${kind}`);
    // The table loop: the admin kinds (rare), field by field.
    const p = this.command;
    const bits = bytes[start + 2] | (bytes[start + 3] << 8);
    p.op = KIND_OP[kind] as Exclude<(typeof KIND_OP)[number], 'mark'>;
    this.need(start + 24);
    p.time = v.getFloat64(start + 16, true);
    const bitFields = BITS_BY_KIND[kind];
    for (let i = 0; i < bitFields.length; i++) {
      const f = bitFields[i];
      f.set(p, (bits >>> f.shift) & f.mask);
    }
    let o = start + 24;
    const numbers = NUMBERS_BY_KIND[kind];
    for (let i = 0; i < numbers.length; i++) {
      const f = numbers[i];
      this.need(o + f.width);
      f.set(p, f.width === 4 ? v.getUint32(o, true) : v.getFloat64(o, true));
      o += f.width;
    }
    // Orders took the unrolled paths above: what is left is add_instrument, halt and resume.
    return this.decodeAdmin(kind, bytes, o);
  }

  /** A new order's record (NEW_NUMBERS_LAYOUT, NEW_BITS_LAYOUT). */
  private decodeNew(bytes: Uint8Array, start: number, v: DataView<ArrayBufferLike>): number {
    const p = this.command;
    this.need(start + NEW_ID_AT);
    const bits = bytes[start + 2] | (bytes[start + 3] << 8);
    p.op = 'new';
    p.time = v.getFloat64(start + 16, true);
    p.side = (bits >>> SIDE_SHIFT) & SIDE_MASK;
    p.orderType = ORDER_TYPE_NAMES[(bits >>> TYPE_SHIFT) & TYPE_MASK];
    p.tif = (bits >>> TIF_SHIFT) & TIF_MASK;
    p.stp = (bits >>> STP_SHIFT) & STP_MASK;
    p.postOnly = ((bits >>> POST_ONLY_SHIFT) & 1) === 1;
    const instrument = v.getUint32(start + 24, true);
    p.instrument = instrument;
    p.price = v.getFloat64(start + 28, true);
    p.qty = v.getFloat64(start + 36, true);
    p.stopPrice = v.getFloat64(start + 44, true);
    p.stopLimitPrice = v.getFloat64(start + 52, true);
    p.expireTime = v.getFloat64(start + 60, true);
    p.displayQty = v.getUint32(start + 68, true);
    const o = this.readIdAndAccount(bytes, start + NEW_ID_AT, bits, v);
    const symbol = this.symbols[instrument];
    if (symbol === undefined) this.damaged(`instrument index ${instrument} is not configured`);
    p.symbol = symbol;
    this.finish(o);
    return KIND_NEW;
  }

  /** A cancel's record: time, then the id and the account. */
  private decodeCancel(bytes: Uint8Array, start: number, v: DataView<ArrayBufferLike>): number {
    const p = this.command;
    this.need(start + 24);
    p.op = 'cancel';
    p.time = v.getFloat64(start + 16, true);
    this.finish(this.readIdAndAccount(bytes, start + 24, bytes[start + 2] | (bytes[start + 3] << 8), v));
    return KIND_CANCEL;
  }

  /** A modify's record (MODIFY_LAYOUT). */
  private decodeModify(bytes: Uint8Array, start: number, v: DataView<ArrayBufferLike>): number {
    const p = this.command;
    this.need(start + MODIFY_ID_AT);
    const bits = bytes[start + 2] | (bytes[start + 3] << 8);
    p.op = 'modify';
    p.time = v.getFloat64(start + 16, true);
    p.hasPrice = ((bits >>> HAS_PRICE_BITS.shift) & 1) === 1;
    p.hasQty = ((bits >>> HAS_QTY_BITS.shift) & 1) === 1;
    p.hasStopPrice = ((bits >>> HAS_STOP_PRICE_BITS.shift) & 1) === 1;
    p.price = v.getFloat64(start + 24, true);
    p.qty = v.getFloat64(start + 32, true);
    p.stopPrice = v.getFloat64(start + 40, true);
    this.finish(this.readIdAndAccount(bytes, start + MODIFY_ID_AT, bits, v));
    return KIND_MODIFY;
  }

  /** An order's id (a string when ID_IS_STRING, else an f64) and account from `o`; returns the end. */
  private readIdAndAccount(bytes: Uint8Array, o: number, bits: number, v: DataView<ArrayBufferLike>): number {
    const p = this.command;
    if ((bits & ID_IS_STRING) !== 0) {
      o = this.readString(bytes, o);
      p.id = this.lastString;
    } else {
      this.need(o + 8);
      p.id = v.getFloat64(o, true);
      o += 8;
    }
    o = this.readString(bytes, o);
    p.account = this.lastString;
    return o;
  }

  /** The rest of an add_instrument, halt or resume record (after its numbers). */
  private decodeAdmin(kind: number, bytes: Uint8Array, o: number): number {
    const p = this.command;
    p.id = null;
    p.account = '';
    if (kind === KIND_ADD_INSTRUMENT) {
      o = this.readString(bytes, o);
      p.symbol = this.lastString;
      p.instrument = this.symbols.length;
    } else {
      const symbol = this.symbols[p.instrument];
      if (symbol === undefined) this.damaged(`instrument index ${p.instrument} is not configured`);
      p.symbol = symbol;
    }
    this.finish(o);
    return kind;
  }

  private lastString = '';

  /**
   * Strings decoded recently, direct-mapped by a hash of their units: accounts repeat on almost
   * every record, and a hit allocates nothing (measured: building the string unit by unit was
   * most of the decode time).
   */
  private readonly strings: string[] = new Array<string>(STRING_CACHE_SLOTS).fill('');

  private readString(bytes: Uint8Array, o: number): number {
    this.need(o + 1);
    const length = bytes[o++];
    const end = o + 2 * length;
    this.need(end);
    let hash = length;
    for (let i = o; i < end; i += 2) hash = Math.imul(hash ^ (bytes[i] | (bytes[i + 1] << 8)), 0x01000193);
    const slot = (hash ^ (hash >>> 15)) & (STRING_CACHE_SLOTS - 1);
    const cached = this.strings[slot];
    if (cached.length === length) {
      let same = true;
      for (let i = 0, j = o; i < length; i++, j += 2) {
        if (cached.charCodeAt(i) !== (bytes[j] | (bytes[j + 1] << 8))) {
          same = false;
          break;
        }
      }
      if (same) {
        this.lastString = cached;
        return end;
      }
    }
    // fromCharCode over code units keeps lone surrogates exactly (a UTF-8 or UTF-16 decoder
    // would replace them).
    UNITS.length = length;
    for (let i = 0, j = o; i < length; i++, j += 2) UNITS[i] = bytes[j] | (bytes[j + 1] << 8);
    const s = String.fromCharCode.apply(null, UNITS);
    this.strings[slot] = s;
    this.lastString = s;
    return end;
  }

  private need(o: number): void {
    if (o > this.end) this.damaged('record ends inside a field');
  }

  private finish(o: number): void {
    if (o !== this.end) this.damaged(`${this.end - o} bytes follow the last field`);
  }

  private damaged(detail: string): never {
    throw new CommandRecordError('RECORD_DAMAGED', this.seq, detail);
  }
}
