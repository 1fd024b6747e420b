/**
 * The sandbox's notion of "now". Tests set it to a fixed date and it keeps ticking from there
 * (an offset, not a frozen value), so the rolling 2-second burst window still empties while
 * update_time, add_time and the daily budget's midnight follow the chosen date.
 */
export class SandboxClock {
  private offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  set(at: Date | number): void {
    this.offsetMs = (typeof at === 'number' ? at : at.getTime()) - Date.now();
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
