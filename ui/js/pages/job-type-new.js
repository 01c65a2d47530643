// A new job type from a SEED image: the image reference, and the manifest pasted or (left empty)
// read by the server from the image's com.ngageoint.seed.manifest label (local Docker engine, then
// the registry). POST /scale/job-types/ either way; its warnings are shown.
import { actions } from '../api.js';
import { fill, h, jsonBlock, link, section } from '../dom.js';

export async function jobTypeNewPage({ view }) {
  view.dataset.page = 'job-type-new';
  const result = h('div', { id: 'job-type-result' });
  const error = h('div');
  const image = h('input', { name: 'docker_image', id: 'new-image', required: true, spellcheck: 'false', placeholder: 'my-algorithm-1.0.0-seed:1.0.0', size: 60 });
  const manifest = h('textarea', { name: 'manifest', id: 'new-manifest', spellcheck: 'false', rows: 14, placeholder: '{"seedVersion": "1.0.0", "job": {…}}' });
  const submit = h('button', { type: 'submit' }, 'Create job type');
  const form = h(
    'form',
    { class: 'stack', id: 'job-type-form', autocomplete: 'off' },
    h('label', { class: 'field' }, h('span', {}, 'SEED image reference'), image),
    h('label', { class: 'field' }, h('span', {}, 'SEED manifest (JSON, optional)'), manifest),
    h('p', { class: 'hint' }, 'Leave the manifest empty to have the server read it from the image’s com.ngageoint.seed.manifest label (the Docker engine, or the registry SCALE_REGISTRY names). The job type is named by the manifest (job.name and job.jobVersion); a name and version that exist already get a new revision.'),
    h('div', { class: 'actions' }, submit, link('#/job-types', 'Back to job types')),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    fill(error);
    fill(result);
    const body = { docker_image: image.value.trim() };
    if (manifest.value.trim()) {
      try {
        body.manifest = JSON.parse(manifest.value);
      } catch (err) {
        error.append(h('div', { class: 'error-box', role: 'alert' }, `The manifest is not JSON: ${err.message}`));
        return;
      }
    }
    submit.disabled = true;
    try {
      const jt = await actions.createJobType(body);
      fill(
        result,
        h('section', { class: 'panel', data: { jobType: jt.id, name: jt.name } },
          h('h2', {}, `Created ${jt.name} ${jt.version}`),
          h('div', { class: 'actions' }, link(`#/job-types/${jt.id}`, 'Open the job type', { class: 'button-link' }), link(`#/job-types/${jt.id}/queue`, 'Queue a job', { class: 'button-link', id: 'queue-new-type' }))),
        jt.warnings?.length ? section('Warnings', jsonBlock(jt.warnings)) : null,
      );
      result.dataset.jobType = jt.id;
    } catch (err) {
      error.append(h('div', { class: 'error-box', role: 'alert' }, String(err?.message ?? err)));
    } finally {
      submit.disabled = false;
    }
  });
  view.append(h('h1', {}, 'New job type from a SEED image'), section('Image', form), error, result);
  view.dataset.ready = 'true';
}
