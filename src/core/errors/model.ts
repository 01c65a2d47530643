export type ErrorCategory = 'SYSTEM' | 'ALGORITHM' | 'DATA';
export const ERROR_CATEGORIES: ErrorCategory[] = ['SYSTEM', 'ALGORITHM', 'DATA'];

/** A failure cause (Scale's Error model): what exit codes and executor faults map to. */
export interface ScaleError {
  id: number;
  name: string;
  jobTypeName: string | null;
  title: string;
  description: string;
  category: ErrorCategory;
  isBuiltin: boolean;
  shouldBeRetried: boolean;
  exitCode: number | null;
  created: Date;
  lastModified: Date;
}

/** Names of builtin errors the core itself raises. */
export const BUILTIN = {
  unknown: 'unknown',
  algorithmUnknown: 'algorithm-unknown',
  timeout: 'timeout',
  nodeLost: 'node-lost',
  schedulerLost: 'scheduler-lost',
  taskLaunch: 'task-launch',
  filesystemIo: 'filesystem-io',
  invalidResultsManifest: 'invalid-results-manifest',
  missingRequiredOutput: 'missing-required-output',
  unexpectedMultipleOutputs: 'unexpected-multiple-outputs',
  deletedFile: 'deleted-file',
  missingFile: 'missing-file',
  missingSetting: 'missing-setting',
  missingMount: 'missing-mount',
  dockerTaskLaunch: 'docker-task-launch',
  pull: 'pull',
} as const;
