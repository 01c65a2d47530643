// Mesos TaskStatus in this server's terms (pure): which states end a task, and how a terminal
// state ends an execution — an exit code parsed from the executor's message, a launch failure, or
// a system error the job is retried after (REFERENCE.md §2; Scale job/tasks/update.py).
import { BUILTIN } from '../../core/errors/model.ts';

const TERMINAL = new Set([
  'TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR', 'TASK_UNKNOWN',
]);

/**
 * Whether a state ends the task for this framework. TASK_UNKNOWN (reconciliation: the master has
 * never heard of it) counts too; TASK_UNREACHABLE does not (only PARTITION_AWARE frameworks see it,
 * and the task may come back).
 */
export const isTerminalState = (state: string): boolean => TERMINAL.has(state);

/** States after which the job may run again elsewhere: the task or its agent is gone, not the algorithm's fault. */
const LOST = new Set(['TASK_LOST', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR', 'TASK_UNKNOWN']);

export interface TaskEnd {
  exitCode: number | null;
  signal: string | null;
  launchError: string | null;
  failWith?: string;
}

/** How a terminal status ends the execution. */
export function endOf(status: { state: string; message?: string; reason?: string }): TaskEnd {
  const message = status.message ?? '';
  const exited = /exited with status (-?\d+)/.exec(message);
  const signalled = /terminated with signal ([A-Za-z0-9]+)/.exec(message);
  const exitCode = exited ? Number(exited[1]) : null;
  const signal = signalled ? (signalled[1].startsWith('SIG') ? signalled[1] : `SIG${signalled[1].toUpperCase()}`) : null;
  switch (status.state) {
    case 'TASK_FINISHED':
      return { exitCode: exitCode ?? 0, signal: null, launchError: null };
    case 'TASK_FAILED':
      if (exitCode !== null || signal) return { exitCode, signal, launchError: null };
      // The container or command never ran (image pull, bad executable, sandbox): Scale's task-launch.
      return { exitCode: null, signal: null, launchError: message || status.reason || 'the task failed to launch' };
    case 'TASK_KILLED':
      return { exitCode, signal: signal ?? 'SIGKILL', launchError: null };
    case 'TASK_ERROR':
      // The master refused the task itself (REASON_TASK_INVALID): a launch error, not the algorithm's.
      return { exitCode: null, signal: null, launchError: message || 'the master refused the task', failWith: BUILTIN.taskLaunch };
    default:
      if (LOST.has(status.state)) return { exitCode: null, signal: null, launchError: message || status.state, failWith: BUILTIN.nodeLost };
      return { exitCode: null, signal: null, launchError: `unexpected task state ${status.state}`, failWith: BUILTIN.unknown };
  }
}
