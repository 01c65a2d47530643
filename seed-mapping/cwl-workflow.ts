// A CWL Workflow as a recipe definition of the core: each step's CommandLineTool becomes a job
// type (`<workflow id>.<step id>`), each step a job node, and each step input a connection (a
// workflow input → a recipe input; `step/output` → that node's output). The workflow's outputs
// name the node outputs an execution's results come from. What a recipe cannot express (scatter,
// `when`, several sources, valueFrom on step inputs, sub-workflows) is refused by name. Pure.
import type { InterfaceInput } from '../src/core/job-types/model.ts';
import { type NodeDefinition, type RecipeDefinition, topologicalOrder } from '../src/core/recipes/definition.ts';
import type { Problem } from '../src/schemas.ts';
import { type CwlProcess, type CwlStep, shortId } from './cwl-document.ts';
import { cwlInput, cwlTool, cwlType, fileOutputDescription, requirementProblems, type ToolTranslation } from './cwl-tool.ts';
import type { ProcessDoc } from './ogc-app-package.ts';

export interface WorkflowOutput {
  name: string;
  node: string;
  output: string;
}

export interface WorkflowTranslation {
  process: ProcessDoc;
  version: string;
  steps: { name: string; jobTypeName: string; tool: ToolTranslation; cwl: CwlProcess }[];
  definition: RecipeDefinition;
  outputs: WorkflowOutput[];
}

/** The job type name a step's tool is deployed as. */
export const stepJobTypeName = (workflowId: string, step: string) => `${workflowId}.${step}`;

export function cwlWorkflow(wf: CwlProcess, steps: CwlStep[], processId: string, namespaces: Record<string, string> = {}): { value: WorkflowTranslation | null; problems: Problem[] } {
  const problems: Problem[] = requirementProblems(wf.requirements);
  const version = String(wf['s:softwareVersion'] ?? wf.version ?? '1.0.0');
  const inputs: InterfaceInput[] = [];
  const described: Record<string, Record<string, any>> = {};
  // A workflow input's default moves down to the tool inputs it feeds (a recipe passes no defaults).
  const wfDefaults = new Map<string, unknown>();
  for (const p of wf.inputs) {
    const r = cwlInput(p, namespaces, problems);
    if (!r) continue;
    if (r.default !== undefined) wfDefaults.set(p.id, r.default);
    inputs.push(r.input);
    described[p.id] = r.described;
  }
  const wfInputs = new Set(wf.inputs.map((p) => p.id));
  if (!steps.length) problems.push({ field: 'steps', message: 'a workflow needs at least one step' });

  const translated: WorkflowTranslation['steps'] = [];
  const nodes: NodeDefinition[] = [];
  const stepOuts = new Map(steps.map((s) => [s.id, new Set(s.out)]));
  for (const step of steps) {
    const field = `steps.${step.id}`;
    for (const k of ['scatter', 'when'] as const) if (step[k] !== undefined) problems.push({ field: `${field}.${k}`, message: `${k} is not supported` });
    const fed = new Map(step.in.filter((i) => i.source.length === 1 && wfDefaults.has(shortId(i.source[0]))).map((i) => [i.id, wfDefaults.get(shortId(i.source[0]))]));
    const run: CwlProcess = { ...step.run, inputs: step.run.inputs.map((p) => (fed.has(p.id) && (p.default === undefined || p.default === null) ? { ...p, default: fed.get(p.id) } : p)) };
    step.run = run;
    const tool = cwlTool(run, stepJobTypeName(processId, step.id), { requirements: wf.requirements, hints: wf.hints }, namespaces);
    if (!tool.value) {
      problems.push(...tool.problems.map((p) => ({ field: `${field}.run${p.field ? `.${p.field}` : ''}`, message: p.message })));
      continue;
    }
    const toolInputs = new Map(tool.value.iface.inputs.map((i) => [i.name, i]));
    const toolOutputs = new Set(tool.value.iface.outputs.map((o) => o.name));
    for (const o of step.out) if (!toolOutputs.has(o)) problems.push({ field: `${field}.out`, message: `${JSON.stringify(o)} is not an output of the step's tool` });
    const connections: NodeDefinition['connections'] = [];
    for (const i of step.in) {
      const at = `${field}.in.${i.id}`;
      if (!toolInputs.has(i.id)) {
        problems.push({ field: at, message: `${JSON.stringify(i.id)} is not an input of the step's tool` });
        continue;
      }
      if (i.valueFrom !== undefined) problems.push({ field: `${at}.valueFrom`, message: 'is not supported (StepInputExpressionRequirement)' });
      if (i.source.length > 1) problems.push({ field: `${at}.source`, message: 'several sources for one input are not supported (MultipleInputFeatureRequirement)' });
      if (i.source.length === 0) {
        if (i.default !== undefined) problems.push({ field: `${at}.default`, message: 'a step input with only a default is not supported: give the default on the tool input' });
        continue;
      }
      const src = i.source[0].replace(/^#/, '');
      const slash = src.indexOf('/');
      if (slash < 0 || wfInputs.has(src)) {
        const input = shortId(src);
        if (!wfInputs.has(input)) problems.push({ field: `${at}.source`, message: `${JSON.stringify(src)} is not an input of the workflow` });
        else connections.push({ input: i.id, from: { source: 'recipe', input, fanOut: false } });
      } else {
        // `step/output`, or `main/step/output` in packed documents.
        const parts = src.split('/');
        const [node, output] = parts.slice(-2);
        if (!stepOuts.has(node)) problems.push({ field: `${at}.source`, message: `${JSON.stringify(src)} names step ${JSON.stringify(node)}, which the workflow does not have` });
        else if (!stepOuts.get(node)!.has(output)) problems.push({ field: `${at}.source`, message: `${JSON.stringify(src)}: step ${JSON.stringify(node)} has no output ${JSON.stringify(output)} in its out list` });
        else connections.push({ input: i.id, from: { source: 'node', node, output, fanOut: false } });
      }
    }
    const connected = new Set(connections.map((c) => c.input));
    for (const ti of tool.value.iface.inputs) {
      if (ti.required && !connected.has(ti.name)) problems.push({ field: `${field}.in`, message: `the tool's required input ${JSON.stringify(ti.name)} is not connected` });
    }
    translated.push({ name: step.id, jobTypeName: stepJobTypeName(processId, step.id), tool: tool.value, cwl: step.run });
    const after = [...new Set(connections.flatMap((c) => (c.from.source === 'node' ? [c.from.node] : [])))];
    nodes.push({ name: step.id, type: { kind: 'job', jobTypeName: stepJobTypeName(processId, step.id), jobTypeVersion: version, jobTypeRevision: null }, dependencies: after.map((name) => ({ name, acceptance: true })), connections });
  }

  const outputs: WorkflowOutput[] = [];
  const outDescribed: Record<string, Record<string, any>> = {};
  for (const p of wf.outputs) {
    const field = `outputs.${p.id}`;
    const t = cwlType(p.type);
    if (t.base !== 'File') {
      problems.push({ field: `${field}.type`, message: `${JSON.stringify(p.type)} is not supported for workflow outputs: use File or File[]` });
      continue;
    }
    const sources = Array.isArray(p.outputSource) ? p.outputSource : p.outputSource === undefined ? [] : [p.outputSource];
    if (sources.length !== 1 || typeof sources[0] !== 'string') {
      problems.push({ field: `${field}.outputSource`, message: 'must name exactly one step output (step/output)' });
      continue;
    }
    const [node, output] = String(sources[0]).replace(/^#/, '').split('/').slice(-2);
    if (!stepOuts.get(node)?.has(output)) {
      problems.push({ field: `${field}.outputSource`, message: `${JSON.stringify(sources[0])} is not an output of a step` });
      continue;
    }
    outputs.push({ name: p.id, node, output });
    // Without a format of its own, the output is described as the step's tool describes it.
    const fromStep = translated.find((s) => s.name === node)?.tool.process.outputs[output];
    outDescribed[p.id] = p.format === undefined && fromStep ? { ...fromStep, ...fileOutputDescription({ ...p, format: undefined }, namespaces), schema: fromStep.schema } : fileOutputDescription(p, namespaces);
  }

  const definition: RecipeDefinition = { inputs, nodes };
  if (!problems.length) {
    const order = topologicalOrder(definition);
    if ('cycle' in order) problems.push({ field: 'steps', message: `the steps form a cycle: ${order.cycle.join(' → ')}` });
  }
  if (problems.length) return { value: null, problems };
  const process: ProcessDoc = {
    id: processId,
    version,
    ...(typeof wf.label === 'string' ? { title: wf.label } : {}),
    ...(typeof wf.doc === 'string' ? { description: wf.doc } : {}),
    inputs: described,
    outputs: outDescribed,
  };
  return { value: { process, version, steps: translated, definition, outputs }, problems: [] };
}
