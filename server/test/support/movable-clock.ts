// An injected clock (AppOptions.clock) that a test moves instead of waiting: real time plus
// however far the test has moved it, so that "eight days later" is a line of the test.
export interface MovableClock {
  now: () => Date;
  /** Moves the clock by `ms` (negative: back); it goes on ticking from there. */
  advance(ms: number): void;
}

export function movableClock(): MovableClock {
  let offsetMs = 0;
  return {
    now: () => new Date(Date.now() + offsetMs),
    advance: (ms) => {
      offsetMs += ms;
    },
  };
}
