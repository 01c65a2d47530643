// The Executor port: runs one execution's command somewhere and reports how it ended.
// Three implement it: local child processes (local/), a Docker engine (docker/) and Mesos agents (mesos/).
import type { JobInterface } from '../core/job-types/model.ts';

/** A stored file an execution reads, where it is on this machine. */
export interface ResolvedFile {
  id: number;
  fileName: string;
  localPath: string;
  size: number;
  mediaType: string;
  filePath?: string;
  /** Its CWL format IRI, when it was given one. */
  format?: string;
  /** Its CWL secondary files, staged beside it (fetched by its input's secondaryFiles patterns). */
  secondary?: ResolvedFile[];
}

export type ResolvedInput =
  | { name: string; kind: 'property'; value: string }
  /** `embedded`: the stored files the value names (CWL values holding files: src/core/runs/embedded-files.ts). */
  | { name: string; kind: 'json'; value: unknown; embedded?: ResolvedFile[] }
  | { name: string; kind: 'file' | 'files'; files: ResolvedFile[] };

export interface LaunchSpec {
  exeId: number;
  jobId: number;
  exeNum: number;
  /** The node the scheduler placed the execution on (a cluster executor launches there). */
  nodeId?: number;
  jobTypeName: string;
  jobTypeVersion: string;
  iface: JobInterface;
  inputs: ResolvedInput[];
  /** What was allocated, by resource name (cpus, mem, disk, and every SEED scalar such as sharedMem). */
  resources: Record<string, number>;
  /** The image to run (Docker executor); null for a plain command. */
  image?: string | null;
  /** Setting values, secrets included: held in memory for this run only. */
  settings?: Record<string, string>;
  /** Mount sources from the job's configuration, by mount name. */
  mounts?: Record<string, { type: string; host_path?: string; driver?: string; driver_opts?: Record<string, string> }>;
  /** The INPUT_METADATA document (SEED). */
  inputMetadata?: unknown;
}

export interface RunResult {
  /** The command's exit code; null when it never started or died by a signal. */
  exitCode: number | null;
  signal: string | null;
  /** Set when the command could not be started at all. */
  launchError: string | null;
  /** The builtin error to fail with when the run could not happen (missing-setting, missing-mount, pull, docker-task-launch, filesystem-io). */
  failWith?: string;
  /** Why, with failWith, for the execution's record when its log cannot say it (a full disk). */
  message?: string;
  /** The directory the command wrote its outputs into. */
  outputDir: string;
  /** ARTIFACT:<output_name>:<path> lines from stdout (Scale 1.x). */
  artifacts: { name: string; path: string }[];
  /** The file naming the outputs, when the command writes one (cwltool's output object). */
  outputObject?: string;
  commandLine: string;
  jobStarted: Date | null;
  jobCompleted: Date;
}

export interface ExecutionHandle {
  readonly done: Promise<RunResult>;
  /** Stops the command (SIGTERM, then SIGKILL after the grace period). */
  kill(): void;
  /** Where stdout and stderr are written. */
  readonly logPath: string;
  /** Hears the execution's progress (percent) while it runs, where the executor can tell it (CWL workflows). */
  onProgress?(listener: (percent: number) => void): void;
}

export interface Executor {
  readonly kind: string;
  launch(spec: LaunchSpec): ExecutionHandle;
  /** Removes what an execution left on this machine except its log. */
  cleanup(exeId: number): Promise<void>;
  /**
   * Kills processes a dead owner left running: this node's previous incarnation, or another local
   * node on this host whose work directory is given (restart and lost-node recovery).
   */
  killOrphans(exeIds: number[], workDir?: string): Promise<number>;
  /**
   * Executions of this node still running from before this process started, which the executor can
   * follow again (Docker containers outlive the server); others it cleans away. Optional.
   */
  adopt?(live: Set<number>): Promise<Map<number, ExecutionHandle>>;
  /** Releases what the executor holds (helper processes, connections). */
  close(): Promise<void>;
}
