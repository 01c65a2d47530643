// A running execution's progress, as its executor tells it: written on the execution (a new try
// starts from nothing), only while it runs, at most once a second per execution so a workflow of a
// thousand steps does not write a thousand times.
import type { Db } from '../../store/db.ts';

const MIN_INTERVAL_MS = 1000;

export type ProgressRecorder = ReturnType<typeof createProgressRecorder>;

export function createProgressRecorder(db: Db) {
  const last = new Map<number, { at: number; value: number; timer: NodeJS.Timeout | null }>();

  async function write(exeId: number, percent: number): Promise<void> {
    await db.query(`UPDATE job_exe SET progress = $2 WHERE id = $1 AND status = 'RUNNING'`, [exeId, percent]).catch(() => {});
  }

  return {
    /** Records `percent` for the execution (the latest of a burst is written when the second is up). */
    report(exeId: number, percent: number): void {
      const value = Math.max(0, Math.min(100, Math.round(percent)));
      const now = Date.now();
      const seen = last.get(exeId);
      if (!seen || now - seen.at >= MIN_INTERVAL_MS) {
        if (seen?.timer) clearTimeout(seen.timer);
        last.set(exeId, { at: now, value, timer: null });
        void write(exeId, value);
        return;
      }
      seen.value = value;
      seen.timer ??= setTimeout(() => {
        seen.timer = null;
        seen.at = Date.now();
        void write(exeId, seen.value);
      }, MIN_INTERVAL_MS - (now - seen.at));
    },
    /** Forgets an execution that has ended. */
    forget(exeId: number): void {
      const seen = last.get(exeId);
      if (seen?.timer) clearTimeout(seen.timer);
      last.delete(exeId);
    },
  };
}
