// The server's side of the launcher process (see launcher-process.mjs): starts it on first use,
// sends it commands to run and kill, and resolves each run when the launcher reports its end.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DoneMessage, LineMessage, RunMessage } from './launcher-process.mjs';

const SCRIPT = fileURLToPath(new URL('./launcher-process.mjs', import.meta.url));

export class Launcher {
  private proc: ChildProcess | null = null;
  private readonly pending = new Map<number, (m: DoneMessage) => void>();
  private readonly watchers = new Map<number, (line: string) => void>();

  /** @param onCrash called with the runs in flight when the launcher dies unexpectedly */
  constructor(private readonly onCrash: (ids: number[]) => Promise<void>) {}

  private start(): ChildProcess {
    if (this.proc) return this.proc;
    const proc = fork(SCRIPT, [], {
      // Bare node: no TypeScript loader, the smallest process that can fork fast.
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'json',
    });
    proc.on('message', (m: DoneMessage | LineMessage) => {
      if (m.t === 'line') {
        this.watchers.get(m.id)?.(m.line);
        return;
      }
      const resolve = this.pending.get(m.id);
      this.pending.delete(m.id);
      this.watchers.delete(m.id);
      resolve?.(m);
    });
    proc.once('exit', () => {
      if (this.proc === proc) this.proc = null;
      const ids = [...this.pending.keys()];
      if (!ids.length) return;
      // Whatever it was running is orphaned: kill it, then end those runs as launch failures.
      void this.onCrash(ids).finally(() => {
        for (const id of ids) {
          const resolve = this.pending.get(id);
          this.pending.delete(id);
          this.watchers.delete(id);
          resolve?.({ t: 'done', id, code: null, signal: null, error: 'the launcher process died', artifacts: [], started: null, ended: new Date().toISOString() });
        }
      });
    });
    this.proc = proc;
    return proc;
  }

  /** Runs a command; `onLine` hears the stderr lines matching `m.watch`. */
  run(m: Omit<RunMessage, 't'>, onLine?: (line: string) => void): Promise<DoneMessage> {
    return new Promise((resolve) => {
      this.pending.set(m.id, resolve);
      if (onLine) this.watchers.set(m.id, onLine);
      this.start().send({ t: 'run', ...m });
    });
  }

  kill(id: number, graceMs: number): void {
    if (this.pending.has(id)) this.proc?.send({ t: 'kill', id, graceMs });
  }

  /** Stops the launcher; it kills whatever still runs. */
  async close(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    this.proc = null;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.disconnect();
    });
  }
}
