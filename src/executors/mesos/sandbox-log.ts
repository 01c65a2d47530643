// A task's stdout and stderr, read from its agent's sandbox through the agent's /files/read
// endpoint (src/files/files.cpp: `?path=&offset=&length=` → {"data","offset"}) at the executor's
// virtual path /frameworks/<fid>/executors/<task id>/runs/latest, and appended to the execution's
// log file in this server's format (log-writer.mjs), so the job-execution logs endpoint serves it
// live. Offsets are kept beside the log so a restarted server continues where it stopped.
import fs from 'node:fs/promises';
import { createLogWriter, type LogWriter } from '../logs.ts';

const PAGE = 64 * 1024;
const STREAMS = ['stdout', 'stderr'] as const;

export class SandboxLog {
  private writer: LogWriter | null = null;
  private offsets = { stdout: 0, stderr: 0 };
  private busy: Promise<void> | null = null;
  /** ARTIFACT:<output>:<path> lines seen on stdout (Scale 1.x job types). */
  readonly artifacts: { name: string; path: string }[] = [];

  constructor(
    private readonly logPath: string,
    private readonly offsetsPath: string,
    /** Hears each stderr line (cwltool's log: a workflow's progress). */
    private readonly onStderrLine?: (line: string) => void,
  ) {}

  /** Continues after the offsets a previous process recorded. */
  async restore(): Promise<void> {
    try {
      const saved = JSON.parse(await fs.readFile(this.offsetsPath, 'utf8'));
      for (const s of STREAMS) if (Number.isInteger(saved[s]) && saved[s] >= 0) this.offsets[s] = saved[s];
    } catch {
      /* none recorded */
    }
  }

  /** Reads what is new in both streams; concurrent calls share one read. */
  read(agentUrl: string, frameworkId: string, taskId: string): Promise<void> {
    if (!this.busy) this.busy = this.readAll(agentUrl, frameworkId, taskId).finally(() => (this.busy = null));
    return this.busy;
  }

  /**
   * The read after the task ended: it starts after any poll in flight (which may have begun before
   * the last lines were written, so sharing it would lose them), and is tried again once when the
   * agent does not answer, since a lost ARTIFACT line is a lost output.
   */
  async readLast(agentUrl: string, frameworkId: string, taskId: string): Promise<void> {
    await this.busy?.catch(() => {});
    try {
      await this.read(agentUrl, frameworkId, taskId);
    } catch {
      await new Promise((r) => setTimeout(r, 500));
      await this.read(agentUrl, frameworkId, taskId);
    }
  }

  private async readAll(agentUrl: string, frameworkId: string, taskId: string): Promise<void> {
    const before = { ...this.offsets };
    for (const stream of STREAMS) {
      const file = `/frameworks/${frameworkId}/executors/${taskId}/runs/latest/${stream}`;
      for (;;) {
        const u = new URL('/files/read', agentUrl);
        u.searchParams.set('path', file);
        u.searchParams.set('offset', String(this.offsets[stream]));
        u.searchParams.set('length', String(PAGE));
        const res = await fetch(u, { signal: AbortSignal.timeout(10_000) });
        if (res.status === 404) break; // not created yet
        if (!res.ok) throw new Error(`the agent answered ${res.status} to ${u.pathname}`);
        const data = sandboxBytes(Buffer.from(await res.arrayBuffer()));
        if (!data.length) break;
        this.writerOf().write(stream, data);
        this.offsets[stream] += data.length;
        if (data.length < PAGE) break;
      }
    }
    if (before.stdout !== this.offsets.stdout || before.stderr !== this.offsets.stderr) await fs.writeFile(this.offsetsPath, JSON.stringify(this.offsets)).catch(() => {});
  }

  private writerOf(): LogWriter {
    if (!this.writer) {
      this.writer = createLogWriter(this.logPath, (line) => {
        const a = /^ARTIFACT:([^:]+):(.+)$/.exec(line);
        if (a) this.artifacts.push({ name: a[1], path: a[2] });
      }, this.onStderrLine);
    }
    return this.writer;
  }

  async close(): Promise<void> {
    await this.busy?.catch(() => {});
    await this.writer?.close();
    this.writer = null;
  }
}

/**
 * The bytes of a /files/read answer's `data`. The agent writes the file's bytes into the JSON string
 * as they are (stout escapes only quotes, backslashes and control characters), so a page that ends
 * inside a multi-byte character is not valid UTF-8: read as UTF-8 its bytes would become U+FFFD and
 * the offsets would drift. Read as Latin-1, each byte is one character and comes back exact. Should
 * an agent escape non-ASCII characters as \uXXXX instead, the text is whole characters: UTF-8 it is.
 */
export function sandboxBytes(body: Buffer): Buffer {
  const parsed = JSON.parse(body.toString('latin1')) as { data?: unknown };
  const data = typeof parsed.data === 'string' ? parsed.data : '';
  // eslint-disable-next-line no-control-regex
  return /[^\u0000-\u00ff]/.test(data) ? Buffer.from(data, 'utf8') : Buffer.from(data, 'latin1');
}
