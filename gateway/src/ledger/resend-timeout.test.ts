import { ResendTimeout } from './resend-timeout';

describe('ResendTimeout: when a transaction without a commit status goes to the orderers again', () => {
  it('waits the ceiling until a commit time is known', () => {
    expect(new ResendTimeout(2_000, 10_000).firstMs()).toBe(10_000);
  });

  it('waits the floor while commits are quick and steady, not the ceiling', () => {
    const timeout = new ResendTimeout(2_000, 10_000);
    for (let i = 0; i < 50; i++) timeout.observe(300 + (i % 3) * 50);
    expect(timeout.firstMs()).toBe(2_000);
  });

  it('follows slow and uneven commit times above the floor, up to the ceiling', () => {
    const timeout = new ResendTimeout(2_000, 10_000);
    for (let i = 0; i < 50; i++) timeout.observe(i % 2 === 0 ? 1_500 : 2_500);
    // Mean 2 s, mean deviation about 0.5 s: about 4 s, as RFC 6298's smoothed time plus four deviations.
    expect(timeout.firstMs()).toBeGreaterThan(3_500);
    expect(timeout.firstMs()).toBeLessThan(4_700);

    for (let i = 0; i < 50; i++) timeout.observe(i % 2 === 0 ? 4_000 : 9_000);
    expect(timeout.firstMs()).toBe(10_000);
  });

  it('rises within a few commits when commit times jump, so a load surge is not taken for lost transactions', () => {
    const timeout = new ResendTimeout(2_000, 10_000);
    for (let i = 0; i < 50; i++) timeout.observe(400);
    for (let i = 0; i < 4; i++) timeout.observe(3_000);
    expect(timeout.firstMs()).toBeGreaterThan(3_000);
  });

  it('doubles the wait after each resend, up to the ceiling', () => {
    const timeout = new ResendTimeout(2_000, 10_000);
    expect(timeout.nextMs(2_000)).toBe(4_000);
    expect(timeout.nextMs(4_000)).toBe(8_000);
    expect(timeout.nextMs(8_000)).toBe(10_000);
  });

  it('never waits past a ceiling set below the floor', () => {
    const timeout = new ResendTimeout(2_000, 150);
    timeout.observe(5);
    expect(timeout.firstMs()).toBe(150);
    expect(timeout.nextMs(150)).toBe(150);
  });

  it('ignores commit times that are not times', () => {
    const timeout = new ResendTimeout(2_000, 10_000);
    timeout.observe(Number.NaN);
    timeout.observe(-5);
    expect(timeout.firstMs()).toBe(10_000);
  });
});
