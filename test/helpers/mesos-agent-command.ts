// How a fake agent turns a TaskInfo into a local process: the executable, its arguments and argv[0], and the
// variables the task adds to the executor's environment (the real command executor and docker containerizer,
// apache/mesos src/launcher/executor.cpp and src/docker/docker.cpp, as far as the double models them).

export interface AgentCommand {
  file: string;
  args: string[];
  argv0?: string;
  /** CommandInfo.environment and `env` docker parameters; the agent's own variables go underneath. */
  env: Record<string, string>;
  /** How the exit is worded in the terminal update's message: "Command exited with status 1". */
  word: 'Command' | 'Container';
}

export function agentCommand(info: any): AgentCommand {
  const cmd = info.command ?? {};
  const isDocker = info.container?.type === 'DOCKER';
  const env: Record<string, string> = {};
  for (const v of cmd.environment?.variables ?? []) if (typeof v?.name === 'string') env[v.name] = String(v.value ?? '');
  // SIMPLIFICATION: DOCKER (and MESOS-with-image) containers are not run in Docker: their command runs as a local
  // process in the sandbox. `env` docker parameters become variables; image, volumes, network, cpu/memory
  // limits, other parameters and the image ENTRYPOINT are ignored; no `data` (docker inspect) on TASK_RUNNING.
  for (const p of info.container?.docker?.parameters ?? []) {
    if (p?.key === 'env' && typeof p.value === 'string' && p.value.includes('=')) env[p.value.slice(0, p.value.indexOf('='))] = p.value.slice(p.value.indexOf('=') + 1);
  }
  const word = isDocker ? 'Container' : 'Command';
  if (cmd.shell !== false) {
    // shell (the default): `/bin/sh -c value`, arguments ignored.
    return { file: '/bin/sh', args: ['-c', String(cmd.value ?? '')], env, word };
  }
  if (isDocker) {
    // docker: [value] + arguments (value optional; here the first word is the executable).
    const all = [...(cmd.value !== undefined ? [String(cmd.value)] : []), ...(cmd.arguments ?? []).map(String)];
    return { file: all[0] ?? '', args: all.slice(1), env, word };
  }
  // command executor, shell:false: execvp(value, arguments) — arguments[0] is argv[0].
  const a = (cmd.arguments ?? []).map(String);
  return { file: String(cmd.value ?? ''), args: a.slice(1), argv0: a[0], env, word };
}
