// Why this file exists: the admin commands are in the typed command union that Engine.apply takes
// (`Command = OrderCommand | AdminCommand`), not in what Exchange.submit takes (a trader's
// connection cannot halt the venue: the exchange has addInstrument, halt and resume for that), and
// their events are in the EngineEvent union. Checked at compile time (tsc --noEmit includes test/).

import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  Engine,
  type AddInstrumentCommand,
  type AdminCommand,
  type Command,
  type EngineEvent,
  type ExchangeCommand,
  type HaltCommand,
  type HaltedEvent,
  type InstrumentAddedEvent,
  type OrderCommand,
  type ResumeCommand,
  type ResumedEvent,
} from '../../index.js';

describe('typed admin commands', () => {
  it('Command is the order commands plus add_instrument, halt and resume', () => {
    expectTypeOf<AdminCommand>().toEqualTypeOf<AddInstrumentCommand | HaltCommand | ResumeCommand>();
    expectTypeOf<Command>().toEqualTypeOf<OrderCommand | AdminCommand>();
    expectTypeOf<Command['op']>().toEqualTypeOf<'new' | 'cancel' | 'modify' | 'add_instrument' | 'halt' | 'resume'>();
    expectTypeOf<Extract<EngineEvent, { type: 'instrument_added' | 'halted' | 'resumed' }>>().toEqualTypeOf<
      InstrumentAddedEvent | HaltedEvent | ResumedEvent
    >();
  });

  it('a misspelled admin op or a missing spec does not compile; submit() does not take admin commands', () => {
    const ok: Command[] = [
      { op: 'add_instrument', spec: { symbol: 'NEWX', tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 10 }, time: 1 },
      { op: 'halt', symbol: 'NEWX', time: 2 },
      { op: 'resume', symbol: 'NEWX', time: 3 },
    ];
    const bad: Command[] = [
      // @ts-expect-error misspelled op
      { op: 'hault', symbol: 'NEWX', time: 1 },
      // @ts-expect-error add_instrument needs its spec
      { op: 'add_instrument', time: 1 },
      // @ts-expect-error a spec needs a tick size
      { op: 'add_instrument', spec: { symbol: 'NEWX', lotSize: 1, minPrice: 1, maxPrice: 10 }, time: 1 },
    ];
    // @ts-expect-error the exchange's submit takes order commands only
    const viaSubmit: ExchangeCommand = { op: 'halt', symbol: 'NEWX' };
    expect(ok.length + bad.length).toBe(6);
    expect(viaSubmit).toBeDefined();
    const events = new Engine({ instruments: [{ symbol: 'A', tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 10 }] }).apply(ok[0]);
    expect(events[0].type).toBe('instrument_added');
  });
});
