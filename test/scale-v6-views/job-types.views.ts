// Scale 6.0.0's own view tests, ported: job types (job/test/test_views.py TestJobTypesViewV6,
// TestJobTypeNamesViewV6, TestJobTypesPostViewV6, TestJobTypeDetailsViewV6,
// TestJobTypeRevisionsViewV6, TestJobTypesValidationViewV6).
import assert from 'node:assert/strict';
import request from 'supertest';
import { type TestServer } from '../helpers/server.ts';

const P = `${process.pid}`;

/** job_test_utils.COMPLETE_MANIFEST, named for this run. */
function completeManifest(name = `my-job-${P}`, jobVersion = '1.0.0'): any {
  return {
    seedVersion: '1.0.0',
    job: {
      name, jobVersion, packageVersion: '1.0.0', title: 'My first job',
      description: 'Reads an HDF5 file and outputs two png images, a CSV and manifest containing cell_count',
      tags: ['hdf5', 'png', 'csv', 'image processing'],
      maintainer: { name: 'John Doe', organization: 'E-corp', email: 'jdoe@example.com', url: 'http://www.example.com', phone: '666-555-4321' },
      timeout: 3600,
      interface: {
        command: '${INPUT_FILE} ${OUTPUT_DIR} ${VERSION}',
        inputs: { files: [{ name: 'INPUT_FILE', required: true, mediaTypes: ['image/x-hdf5-image'], partial: true }], json: [{ name: 'INPUT_JSON', type: 'string', required: true }] },
        outputs: {
          files: [{ name: 'output_file_pngs', mediaType: 'image/png', multiple: true, pattern: 'outfile*.png' }, { name: 'output_file_csv', mediaType: 'text/csv', pattern: 'outfile*.csv', required: false }],
          json: [{ name: 'cell_count', key: 'cellCount', type: 'integer' }, { name: 'dummy', type: 'integer', required: false }],
        },
        mounts: [{ name: 'MOUNT_PATH', path: '/the/container/path', mode: 'ro' }, { name: 'WRITE_PATH', path: '/write', mode: 'rw' }],
        settings: [{ name: 'VERSION', secret: false }, { name: 'DB_HOST', secret: false }, { name: 'DB_PASS', secret: true }],
      },
      resources: { scalar: [{ name: 'cpus', value: 1.0 }, { name: 'mem', value: 1024.0 }, { name: 'sharedMem', value: 1024.0 }, { name: 'disk', value: 1000.0, inputMultiplier: 4.0 }] },
      errors: [
        { code: 1, name: 'error-name-one', title: 'Error Name', description: 'Error Description', category: 'data' },
        { code: 2, name: 'error-name-two', title: 'Error Name', description: 'Error Description', category: 'job' },
      ],
    },
  };
}

/** The tests, against a server the caller started (see the *.test.ts files of this folder). */
export function jobTypesViews(server: () => TestServer): void {
  describe(`Scale 6.0.0 view tests: job types`, function () {
    this.timeout(60_000);
    let t: TestServer;
    const api = () => request(t.app);
    const ws1 = `workspace_1_${P}`;
    const ws2 = `workspace_2_${P}`;
    const configuration = () => ({
      version: '6',
      output_workspaces: { default: ws1, outputs: { output_file_pngs: ws2 } },
      mounts: { MOUNT_PATH: { type: 'host', host_path: '/path/to/mount' }, WRITE_PATH: { type: 'host', host_path: '/path/to/mount' } },
      settings: { VERSION: '1.0.0', DB_HOST: 'scale', DB_PASS: 'password' },
    });
    /** job_test_utils.create_job_type: a 1.0 job type, made through the plain prefix. */
    const legacy = async (name: string, version: string, f: { isActive?: boolean; isSystem?: boolean } = {}) => {
      const jt = (await api().post('/scale/job-types/').send({ name, version, title: `Title ${name}`, description: 'A job type', cpus_required: 0.5, mem_required: 16, interface: { version: '1.0', command: '/bin/true', command_arguments: '' } }).expect(201)).body;
      if (f.isActive === false) await api().patch(`/scale/v6/job-types/${name}/${version}/`).send({ is_active: false }).expect(204);
      if (f.isSystem) await t.db.query('UPDATE job_type SET is_system = true WHERE id = $1', [jt.id]);
      return jt;
    };
    before(async () => {
      t = server();
      for (const [name, active] of [[ws1, true], [ws2, true], [`inactive_${P}`, false]] as const) {
        await api().post('/scale/workspaces/').send({ name, is_active: active, json_config: { broker: { type: 'host', host_path: '/tmp' } } }).expect(201);
      }
    });

    describe('lists (TestJobTypesViewV6, TestJobTypeNamesViewV6)', () => {
      let jt1: any;
      let jt2: any;
      let jt4: any;
      let jt5: any;
      let jt6: any;
      let mine: Set<number>;
      const VIEW = `job-type-for-view-test-${P}`;
      before(async () => {
        jt1 = await legacy(`views-type-1-${P}`, '1.0.0');
        jt2 = await legacy(`views-type-2-${P}`, '1.0.0', { isSystem: true });
        await legacy(`views-type-3-${P}`, '1.0.0', { isActive: false });
        jt4 = await legacy(VIEW, '1.0.0', { isActive: false });
        jt5 = await legacy(VIEW, '1.2.0');
        jt6 = await legacy(VIEW, '1.10.0');
        mine = new Set((await t.db.query<{ id: number }>("SELECT id FROM job_type WHERE name LIKE $1", [`%-${P}`])).rows.map((r) => Number(r.id)));
      });
      const ours = (body: any) => body.results.filter((e: any) => mine.has(e.id));

      it('lists every job type, active or not, with its v6 fields (test_successful)', async () => {
        const list = ours((await api().get('/scale/v6/job-types/').expect(200)).body);
        assert.equal(list.length, 6);
        for (const e of list) {
          for (const k of ['name', 'title', 'description', 'icon_code', 'is_published', 'is_active', 'is_paused', 'is_system', 'max_scheduled', 'revision_num', 'docker_image']) assert.ok(k in e, k);
        }
        assert.deepEqual(list.filter((e: any) => e.name === VIEW).map((e: any) => [e.version, e.is_active]).sort(), [['1.0.0', false], ['1.10.0', true], ['1.2.0', true]]);
      });

      it('filters by keyword, id, is_active and is_system (test_keyword, test_id, test_is_active, test_is_system)', async () => {
        const n = async (q: string) => ours((await api().get(`/scale/v6/job-types/?${q}`).expect(200)).body);
        assert.deepEqual((await n(`keyword=${jt1.name}`)).map((e: any) => e.name), [jt1.name]);
        assert.equal((await n('keyword=views-type')).length, 3);
        assert.equal((await n(`keyword=${VIEW}`)).length, 3);
        assert.equal((await n(`keyword=${VIEW}&keyword=${jt1.name}`)).length, 4);
        assert.deepEqual((await n(`id=${jt1.id}`)).map((e: any) => e.name), [jt1.name]);
        assert.equal((await n(`id=${jt1.id}&id=${jt2.id}`)).length, 2);
        assert.equal((await n(`id=${jt4.id}&id=${jt5.id}`)).length, 2);
        assert.equal((await n('is_active=false')).length, 2);
        assert.equal((await n('is_system=false')).length, 5);
        assert.equal((await n('is_system=true')).length, 1);
      });

      it('lists the versions of a name, filtered by is_active (test_version_successful, test_version_is_active)', async () => {
        const list = (await api().get(`/scale/v6/job-types/${VIEW}/`).expect(200)).body;
        assert.deepEqual(list.results.map((e: any) => e.id).sort((a: number, b: number) => a - b), [jt4.id, jt5.id, jt6.id]);
        for (const e of list.results) for (const k of ['name', 'version', 'title', 'description', 'icon_code', 'is_published', 'is_active', 'is_paused', 'is_system', 'max_scheduled', 'revision_num', 'docker_image']) assert.ok(k in e, k);
        assert.equal((await api().get(`/scale/v6/job-types/${VIEW}/?is_active=false`).expect(200)).body.results.length, 1);
      });

      it('lists job type names with their versions and latest version, with the same filters (TestJobTypeNamesViewV6)', async () => {
        const n = async (q = '') => (await api().get(`/scale/v6/job-type-names/?${q}`).expect(200)).body.results.filter((e: any) => e.name.endsWith(`-${P}`));
        const all = await n();
        assert.equal(all.length, 4);
        const view = all.find((e: any) => e.name === VIEW);
        assert.deepEqual([...view.versions].sort(), ['1.0.0', '1.10.0', '1.2.0']);
        assert.equal(view.latest_version, '1.10.0');
        assert.deepEqual(all.find((e: any) => e.name === jt1.name).versions, ['1.0.0']);
        for (const e of all) assert.ok('title' in e && 'description' in e);
        assert.deepEqual((await n(`keyword=${jt1.name}`)).map((e: any) => e.name), [jt1.name]);
        assert.equal((await n('keyword=views-type')).length, 3);
        const kw = await n(`keyword=${VIEW}`);
        assert.equal(kw.length, 1);
        assert.equal(kw[0].latest_version, '1.10.0');
        assert.equal((await n(`keyword=${VIEW}&keyword=${jt1.name}`)).length, 2);
        assert.deepEqual((await n(`id=${jt1.id}`)).map((e: any) => e.name), [jt1.name]);
        assert.equal((await n(`id=${jt1.id}&id=${jt2.id}`)).length, 2);
        assert.equal((await n(`id=${jt4.id}&id=${jt5.id}`)).length, 1);
        assert.equal((await n('is_active=false')).length, 2);
        assert.equal((await n('is_system=false')).length, 3);
        assert.equal((await n('is_system=true')).length, 1);
      });
    });

    describe('create, show and edit (TestJobTypesPostViewV6, TestJobTypeDetailsViewV6, TestJobTypeRevisionsViewV6)', () => {
      const name = `my-job-${P}`;

      it('creates a SEED job type (201, Location by name and version, revision 1, max_scheduled null, its settings)', async () => {
        const res = await api().post('/scale/v6/job-types/').send({ icon_code: 'BEEF', is_published: true, docker_image: 'my-job-1.0.0-seed:1.0.0', manifest: completeManifest(), configuration: configuration() }).expect(201);
        assert.ok(String(res.headers.location).includes(`/v6/job-types/${name}/1.0.0/`), res.headers.location);
        const d = (await api().get(`/scale/v6/job-types/${name}/1.0.0/`).expect(200)).body;
        assert.deepEqual([res.body.id, res.body.version, res.body.title, res.body.revision_num], [d.id, '1.0.0', 'My first job', 1]);
        assert.equal(res.body.max_scheduled, null);
        assert.deepEqual(res.body.configuration.settings, { VERSION: '1.0.0', DB_HOST: 'scale', DB_PASS: '*****' });
        // Scale keeps is_published as given (JobType.is_published), and lists show it.
        assert.equal(res.body.is_published, true);
        assert.equal(d.is_published, true);
        const listed = (await api().get(`/scale/v6/job-types/?keyword=${name}`).expect(200)).body.results;
        assert.deepEqual(listed.map((t: any) => t.is_published), [true]);
      });

      it('posting it again makes a new revision (test_edit_seed_job_type); a maintainer url left out is gone', async () => {
        const m = completeManifest();
        m.job.packageVersion = '1.0.1';
        const res = await api().post('/scale/v6/job-types/').send({ icon_code: 'BEEF', is_published: true, max_scheduled: 1, docker_image: 'my-job-1.0.0-seed:1.0.1', manifest: m, configuration: configuration() }).expect(201);
        assert.ok(String(res.headers.location).includes(`/v6/job-types/${name}/1.0.0/`));
        assert.equal(res.body.revision_num, 2);
        assert.ok(res.body.configuration.mounts && res.body.configuration.settings);
        delete m.job.maintainer.url;
        const again = await api().post('/scale/v6/job-types/').send({ icon_code: 'BEEF', is_published: true, max_scheduled: 1, docker_image: 'my-job-1.0.0-seed:1.0.1', manifest: m, configuration: configuration() }).expect(201);
        assert.equal(again.body.manifest.job.maintainer.url, undefined);
      });

      it('creates one without mounts or settings: empty in its configuration (test_create_seed_missing_mount, test_create_seed_missing_setting)', async () => {
        const noMount = completeManifest(`my-job-no-mount-${P}`);
        noMount.job.interface.mounts = [];
        const { mounts: _m, ...withoutMounts } = configuration();
        const a = await api().post('/scale/v6/job-types/').send({ icon_code: 'BEEF', is_published: true, max_scheduled: 1, docker_image: 'x:1', manifest: noMount, configuration: withoutMounts }).expect(201);
        assert.deepEqual(a.body.configuration.mounts, {});
        const noSetting = completeManifest(`my-job-no-setting-${P}`);
        noSetting.job.interface.settings = [];
        const { settings: _s, ...withoutSettings } = configuration();
        const b = await api().post('/scale/v6/job-types/').send({ icon_code: 'BEEF', is_published: true, max_scheduled: 1, docker_image: 'x:1', manifest: noSetting, configuration: withoutSettings }).expect(201);
        assert.deepEqual(b.body.manifest.job.interface.settings, []);
        assert.deepEqual(b.body.configuration.settings, {});
      });

      it('refuses a manifest missing its fields and a bad max_scheduled (400)', async () => {
        await api().post('/scale/v6/job-types/').send({ manifest: { seedVersion: '1.0.0', job: { name: 'my-job' } } }).expect(400);
        await api().post('/scale/v6/job-types/').send({ icon_code: 'BEEF', is_published: true, max_scheduled: 'BAD', docker_image: '', manifest: completeManifest(`my-job-bad-parameter-${P}`), configuration: configuration() }).expect(400);
      });

      it('shows one by name and version with manifest, configuration and max_scheduled; 404 for an unknown one', async () => {
        await api().patch(`/scale/v6/job-types/${name}/1.0.0/`).send({ max_scheduled: 2 }).expect(204);
        const d = (await api().get(`/scale/v6/job-types/${name}/1.0.0/`).expect(200)).body;
        assert.deepEqual([d.name, d.version, d.max_scheduled], [name, '1.0.0', 2]);
        assert.ok(d.manifest && d.configuration);
        await api().get('/scale/v6/job-types/missing-job/1.0.0/').expect(404);
      });

      it('edits with 204: the basics, the configuration; a bad configuration is 400 and an unknown job type 404', async () => {
        await api().patch('/scale/v6/job-types/missing-job/1.0.0/').send({ icon_code: 'BEEF', is_active: false, is_paused: true, max_scheduled: 9 }).expect(404);
        await api().patch(`/scale/v6/job-types/${name}/1.0.0/`).send({ icon_code: 'BEEF', is_published: true, is_active: false, is_paused: true, max_scheduled: 9 }).expect(204);
        const d = (await api().get(`/scale/v6/job-types/${name}/1.0.0/`).expect(200)).body;
        assert.deepEqual([d.icon_code, d.is_active, d.is_paused, d.max_scheduled], ['BEEF', false, true, 9]);
        const c = { ...configuration(), settings: { DB_HOST: 'other_scale_db' }, mounts: { MOUNT_PATH: { type: 'host', host_path: '/some/new/path' } } };
        await api().patch(`/scale/v6/job-types/${name}/1.0.0/`).send({ configuration: c }).expect(204);
        assert.equal((await api().get(`/scale/v6/job-types/${name}/1.0.0/`).expect(200)).body.configuration.mounts.MOUNT_PATH.host_path, '/some/new/path');
        await api().patch(`/scale/v6/job-types/${name}/1.0.0/`).send({ configuration: { ...configuration(), priority: 0 } }).expect(400);
      });

      it('lists the revisions, the latest first, and shows one with its manifest; 404 for unknown ones', async () => {
        await api().get('/scale/v6/job-types/missing-job/1.0.0/revisions/').expect(404);
        await api().get(`/scale/v6/job-types/${name}/9.9.9/revisions/`).expect(404);
        const list = (await api().get(`/scale/v6/job-types/${name}/1.0.0/revisions/`).expect(200)).body.results;
        assert.equal(list.length, 3);
        assert.equal(typeof list[0], 'object');
        assert.equal(list[0].job_type.name, name);
        assert.equal(list[0].revision_num, 3);
        assert.equal(list[0].docker_image, 'my-job-1.0.0-seed:1.0.1');
        await api().get('/scale/v6/job-types/missing-job/1.0.0/revisions/9/').expect(404);
        const one = (await api().get(`/scale/v6/job-types/${name}/1.0.0/revisions/1/`).expect(200)).body;
        assert.deepEqual([one.job_type.name, one.revision_num, one.docker_image], [name, 1, 'my-job-1.0.0-seed:1.0.0']);
        assert.ok(one.manifest);
      });
    });

    describe('validation (TestJobTypesValidationViewV6)', () => {
      const validate = async (manifest: any, config: any) => (await api().post('/scale/v6/job-types/validation/').send({ manifest, configuration: config }).expect(200)).body;

      it('finds a complete manifest and configuration valid, with no warnings (test_successful, test_secret_setting)', async () => {
        assert.deepEqual(await validate(completeManifest(), configuration()), { errors: [], is_valid: true, warnings: [] });
      });

      it('warns of missing and unknown mounts and settings (test_missing_mount … test_unknown_setting)', async () => {
        const noMounts = await validate(completeManifest(), { ...configuration(), mounts: {} });
        assert.equal(noMounts.is_valid, true);
        assert.deepEqual(noMounts.warnings.map((w: any) => w.name), ['MISSING_MOUNT', 'MISSING_MOUNT']);
        const m = completeManifest(`my-job-no-mount-${P}`);
        m.job.interface.mounts = [];
        const unknown = await validate(m, configuration());
        assert.equal(unknown.is_valid, true);
        assert.deepEqual(unknown.warnings.map((w: any) => w.name), ['UNKNOWN_MOUNT', 'UNKNOWN_MOUNT']);
        const noSettings = await validate(completeManifest(), { ...configuration(), settings: {} });
        assert.equal(noSettings.is_valid, true);
        assert.equal(noSettings.warnings.length, 3);
        assert.equal(noSettings.warnings[0].name, 'MISSING_SETTING');
        const extra = await validate(completeManifest(), { ...configuration(), settings: { ...configuration().settings, setting: 'extra' } });
        assert.equal(extra.is_valid, true);
        assert.deepEqual(extra.warnings.map((w: any) => w.name), ['UNKNOWN_SETTING']);
      });

      it('reports a bad manifest as JSON_VALIDATION_ERROR (test_bad_param, test_bad_error)', async () => {
        const m = completeManifest();
        m.name = null;
        const bad = await validate(m, configuration());
        assert.equal(bad.is_valid, false);
        assert.deepEqual(bad.errors.map((e: any) => e.name), ['JSON_VALIDATION_ERROR']);
        const e = completeManifest();
        e.job.errors = [{ code: '1', name: 'error-name-one', title: 'Error Name', description: 'Error Description', category: 'data' }];
        const badError = await validate(e, configuration());
        assert.equal(badError.is_valid, false);
        assert.deepEqual(badError.errors.map((x: any) => x.name), ['JSON_VALIDATION_ERROR']);
      });

      it('reports output workspaces: unknown INVALID_WORKSPACE, inactive DEPRECATED_WORKSPACE, none MISSING_WORKSPACE', async () => {
        const invalid = await validate(completeManifest(), { ...configuration(), output_workspaces: { default: ws1, outputs: { output_file_pngs: 'BAD_WORKSPACE' } } });
        assert.equal(invalid.is_valid, false);
        assert.deepEqual(invalid.errors.map((e: any) => e.name), ['INVALID_WORKSPACE']);
        // test_deprecated_output_workspace: an inactive workspace is a warning.
        const deprecated = await validate(completeManifest(), { ...configuration(), output_workspaces: { default: `inactive_${P}` } });
        assert.equal(deprecated.is_valid, true);
        assert.deepEqual(deprecated.warnings.map((w: any) => w.name), ['DEPRECATED_WORKSPACE']);
        // test_missing_output_workspace: output_workspaces {} leaves the file outputs nowhere to go.
        const missing = await validate(completeManifest(), { ...configuration(), output_workspaces: {} });
        assert.equal(missing.is_valid, false);
        assert.deepEqual(missing.errors.map((e: any) => e.name), ['MISSING_WORKSPACE']);
      });

      it('warns of a nonstandard resource (test_nonstandard_resource)', async () => {
        const m = completeManifest();
        m.job.resources.scalar.push({ name: 'chocolate', value: 1.0 });
        const r = await validate(m, configuration());
        assert.equal(r.is_valid, true);
        assert.deepEqual(r.warnings.map((w: any) => w.name), ['NONSTANDARD_RESOURCE']);
      });
    });
  });
}
