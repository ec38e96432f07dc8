// Why this file exists: what retention-reclaim.test.ts imports from the package, in one place.
export { FEED_STEP_RECORDS as FEED_STEP_RECORDS_FOR_TESTS, FEED_WINDOW_CHECKPOINTS_MAX } from '../../../exchange/feed.js';
export type { Exchange, ExchangeOptions, ExchangeCommand } from '../../../index.js';
