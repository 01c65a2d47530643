// A background pass that runs when woken and every `pollMs`: never two at once, and a wake during a
// pass runs one more after it (what woke it may have come too late for the pass under way). The
// recipe engine and the batch creator run this way.
import type { Logger } from '../log.ts';

export interface WakeLoop {
  wake(): void;
  start(pollMs: number): void;
  /** Stops waking and waits for the pass under way. */
  stop(): Promise<void>;
  /** Whether the loop has been stopped (a long pass checks it between steps). */
  stopped(): boolean;
}

export function createWakeLoop(pass: (stopped: () => boolean) => Promise<void>, what: string, log?: Logger): WakeLoop {
  let stopped = true;
  let running: Promise<void> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | null = null;
  const isStopped = () => stopped;

  function wake(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await pass(isStopped);
        } while (again && !stopped);
      } catch (err) {
        log?.error(`${what} failed`, { err });
      } finally {
        running = null;
      }
    })();
  }

  return {
    wake,
    start(pollMs: number): void {
      if (!stopped) return;
      stopped = false;
      timer = setInterval(wake, pollMs);
      timer.unref();
      wake();
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
    stopped: isStopped,
  };
}
