// Why this file exists: every way a command can be refused, and every reason an order can leave
// the book other than by trading, is a named code that callers can switch on. Codes are grouped by
// the subsystem that raises them (exchange-core style); the string value is what travels in events
// and in the write-ahead log, so never renumber or rename one that has shipped.

/** Why a command was refused. A rejected command never changes engine state. */
export enum RejectCode {
  // --- shape (1xx): the command object itself is malformed; checked before any state is read ---
  MALFORMED_COMMAND = 'MALFORMED_COMMAND',
  UNKNOWN_OP = 'UNKNOWN_OP',
  INVALID_ID = 'INVALID_ID',
  INVALID_ACCOUNT = 'INVALID_ACCOUNT',
  INVALID_TIME = 'INVALID_TIME',
  INVALID_SYMBOL = 'INVALID_SYMBOL',
  INVALID_SIDE = 'INVALID_SIDE',
  INVALID_ORDER_TYPE = 'INVALID_ORDER_TYPE',
  INVALID_TIF = 'INVALID_TIF',
  INVALID_POST_ONLY = 'INVALID_POST_ONLY',
  INVALID_STP = 'INVALID_STP',
  INVALID_PRICE = 'INVALID_PRICE',
  INVALID_QTY = 'INVALID_QTY',
  INVALID_STOP_PRICE = 'INVALID_STOP_PRICE',
  INVALID_DISPLAY_QTY = 'INVALID_DISPLAY_QTY',
  INVALID_EXPIRE_TIME = 'INVALID_EXPIRE_TIME',

  // --- instrument (2xx): well-formed, but outside the instrument's rules ---
  UNKNOWN_SYMBOL = 'UNKNOWN_SYMBOL',
  PRICE_OUT_OF_RANGE = 'PRICE_OUT_OF_RANGE',
  PRICE_NOT_ON_TICK = 'PRICE_NOT_ON_TICK',
  QTY_OUT_OF_RANGE = 'QTY_OUT_OF_RANGE',
  QTY_NOT_ON_LOT = 'QTY_NOT_ON_LOT',
  /** A new order or a modify on a halted instrument (cancels are still accepted). */
  INSTRUMENT_HALTED = 'INSTRUMENT_HALTED',

  // --- order state (3xx): refers to orders that do or do not exist ---
  UNKNOWN_ORDER = 'UNKNOWN_ORDER',
  /** A new order whose id is a live order's; `detail.originalSeq` is the seq that created it. */
  DUPLICATE_ORDER_ID = 'DUPLICATE_ORDER_ID',
  /** A new order whose id the engine remembers from an order that ended (SEMANTICS.md "Order ids"); `detail.originalSeq`. */
  DUPLICATE_ID = 'DUPLICATE_ID',
  NOT_OWNER = 'NOT_OWNER',
  /** The id belonged to an order that is no longer live (filled, cancelled, expired) and is remembered. */
  TOO_LATE_TO_CANCEL = 'TOO_LATE_TO_CANCEL',
  /** A GTT order whose expireTime is not after the command's time. */
  ALREADY_EXPIRED = 'ALREADY_EXPIRED',

  // --- matching (4xx) ---
  POST_ONLY_WOULD_TAKE = 'POST_ONLY_WOULD_TAKE',
  /** A stop whose stop price the instrument's last trade price has already reached. */
  STOP_WOULD_TRIGGER = 'STOP_WOULD_TRIGGER',
  /** An OCO whose prices are not on both sides of the last trade price (or there is none yet). */
  OCO_PRICES_INVALID = 'OCO_PRICES_INVALID',
  /** A modify of an OCO that still has both legs. */
  OCO_NOT_MODIFIABLE = 'OCO_NOT_MODIFIABLE',

  // --- capacity (5xx): explicit limits of the engine ---
  ORDER_CAPACITY = 'ORDER_CAPACITY',
  /** An add_instrument past the engine's instrumentsMax. */
  INSTRUMENT_CAPACITY = 'INSTRUMENT_CAPACITY',
  /** The instrument remembers idsRememberedPerInstrumentMax ids inside the window ('reject' policy). */
  ID_MEMORY_FULL = 'ID_MEMORY_FULL',

  // --- instrument administration (7xx): add_instrument, halt, resume ---
  /** An add_instrument whose spec breaks a rule of the instrument configuration. */
  INVALID_INSTRUMENT = 'INVALID_INSTRUMENT',
  /** An add_instrument of a symbol already configured. */
  INSTRUMENT_EXISTS = 'INSTRUMENT_EXISTS',
  /** A halt of an instrument already halted. */
  ALREADY_HALTED = 'ALREADY_HALTED',
  /** A resume of an instrument that is not halted. */
  NOT_HALTED = 'NOT_HALTED',

  // --- exchange (6xx): raised by the durable Exchange before a command reaches the engine ---
  QUEUE_FULL = 'QUEUE_FULL',
  EXCHANGE_CLOSED = 'EXCHANGE_CLOSED',
}

/** Why an order (or the unfilled part of one) left the book without trading. */
export enum CancelReason {
  /** The owner cancelled it. */
  USER = 'USER',
  /** Unfilled remainder of a limit IOC order. */
  IOC_REMAINDER = 'IOC_REMAINDER',
  /** Unfilled remainder of a market order (including a market order that met an empty side). */
  MARKET_REMAINDER = 'MARKET_REMAINDER',
  /** A fill-or-kill order that could not be filled in full; nothing traded. */
  FOK_UNFILLABLE = 'FOK_UNFILLABLE',
  /** Removed by self-trade prevention (taker or maker, depending on the taker's STP mode). */
  SELF_TRADE = 'SELF_TRADE',
  /** A good-till-time order whose expireTime was reached by a later command's time. */
  EXPIRED = 'EXPIRED',
}
