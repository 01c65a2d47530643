// Queue a job of a job type: a form built from its interface (Scale job interface 1.0 or SEED
// manifest), sent as Scale 1.0 job data to POST /scale/queue/new-job/.
import { actions, api } from '../api.js';
import { fill, h, link, section } from '../dom.js';
import { navigate } from '../router.js';

/** The inputs a job type takes: [{name, kind: property|json|file|files, type, required, mediaTypes}]. */
export function inputsOf(jt) {
  const seed = (jt.manifest ?? (jt.interface?.job ? jt.interface : null))?.job?.interface?.inputs;
  if (seed) {
    return [
      ...(seed.files ?? []).map((f) => ({ name: f.name, kind: f.multiple ? 'files' : 'file', required: f.required !== false, mediaTypes: f.mediaTypes ?? [] })),
      ...(seed.json ?? []).map((j) => ({ name: j.name, kind: 'json', type: j.type, required: j.required !== false })),
    ];
  }
  return (jt.interface?.input_data ?? []).map((i) => ({ name: i.name, kind: i.type, required: i.required !== false, mediaTypes: i.media_types ?? [] }));
}

function field(input) {
  const hint = {
    property: 'a string',
    json: `JSON of type ${input.type}${input.type === 'string' ? ' (typed as is)' : ''}`,
    file: 'a file id (see Workspaces)',
    files: 'file ids, separated by commas',
  }[input.kind] ?? input.kind;
  const el = h('input', { name: input.name, required: input.required, spellcheck: 'false', data: { kind: input.kind, type: input.type ?? '' }, size: 50 });
  return h('label', { class: 'field', data: { input: input.name } }, h('span', {}, `${input.name}${input.required ? ' *' : ''} — ${hint}${input.mediaTypes?.length ? ` (${input.mediaTypes.join(', ')})` : ''}`), el);
}

/** One input's Scale 1.0 data from its field, or null when left empty. */
function dataOf(el) {
  const v = el.value.trim();
  if (!v) return null;
  const { kind, type } = el.dataset;
  if (kind === 'file') return { name: el.name, file_id: Number(v) };
  if (kind === 'files') return { name: el.name, file_ids: v.split(/[\s,]+/).filter(Boolean).map(Number) };
  // Job data 1.0 carries values as text: JSON as JSON text (checked here, parsed by the server).
  if (kind === 'json' && type !== 'string') {
    JSON.parse(v);
    return { name: el.name, value: v };
  }
  return { name: el.name, value: el.value };
}

export async function jobNewPage({ view, params, signal }) {
  view.dataset.page = 'job-new';
  const id = Number(params[0]);
  const jt = await api(`/scale/job-types/${id}/`, { signal });
  const inputs = inputsOf(jt);
  const error = h('div');
  const priority = h('input', { name: 'priority', type: 'number', min: 1, placeholder: String(jt.priority ?? 100) });
  const submit = h('button', { type: 'submit' }, 'Queue the job');
  const form = h(
    'form',
    { class: 'stack', id: 'job-form', autocomplete: 'off' },
    inputs.length ? inputs.map(field) : h('p', { class: 'muted' }, 'This job type takes no inputs.'),
    h('label', { class: 'field' }, h('span', {}, 'Priority (lower runs first; empty: the job type’s)'), priority),
    h('div', { class: 'actions' }, submit, link(`#/job-types/${id}`, 'Back to the job type')),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    fill(error);
    let body;
    try {
      const inputData = [...form.querySelectorAll('input[data-kind]')].map(dataOf).filter(Boolean);
      body = { job_type_id: id, job_data: { version: '1.0', input_data: inputData } };
      if (priority.value) body.priority = Number(priority.value);
    } catch (err) {
      error.append(h('div', { class: 'error-box', role: 'alert' }, `An input is not JSON: ${err.message}`));
      return;
    }
    submit.disabled = true;
    try {
      const job = await actions.newJob(body);
      navigate(`/jobs/${job.id}`);
    } catch (err) {
      error.append(h('div', { class: 'error-box', role: 'alert' }, String(err?.message ?? err)));
    } finally {
      submit.disabled = false;
    }
  });
  view.append(h('h1', {}, `Queue a job of ${jt.title || jt.name} `, h('span', { class: 'muted' }, jt.version)), error, section('Inputs', form));
  view.dataset.ready = 'true';
}
