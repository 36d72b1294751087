// The seeded generator lives beside errors.ts (every phase draws from it); the data phase's
// modules import it from here.
export * from '../random.js';
