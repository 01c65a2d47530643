// Validation of scheduler calls as the real master does it before acting (apache/mesos
// src/master/validation.cpp, scheduler::call::validate, and stout's "Missing required fields").

export const CALL_TYPES = new Set([
  'SUBSCRIBE', 'TEARDOWN', 'ACCEPT', 'DECLINE', 'ACCEPT_INVERSE_OFFERS', 'DECLINE_INVERSE_OFFERS', 'REVIVE', 'KILL',
  'SHUTDOWN', 'ACKNOWLEDGE', 'ACKNOWLEDGE_OPERATION_STATUS', 'RECONCILE', 'RECONCILE_OPERATIONS', 'MESSAGE', 'REQUEST',
  'SUPPRESS', 'UPDATE_FRAMEWORK',
]);

/** The sub-message each call type must carry (VAL scheduler::call::validate: "Expecting 'x' to be present"). */
export const CALL_FIELD: Record<string, string> = {
  SUBSCRIBE: 'subscribe', ACCEPT: 'accept', DECLINE: 'decline', ACCEPT_INVERSE_OFFERS: 'accept_inverse_offers',
  DECLINE_INVERSE_OFFERS: 'decline_inverse_offers', KILL: 'kill', SHUTDOWN: 'shutdown', ACKNOWLEDGE: 'acknowledge',
  ACKNOWLEDGE_OPERATION_STATUS: 'acknowledge_operation_status', RECONCILE: 'reconcile', MESSAGE: 'message', REQUEST: 'request',
  UPDATE_FRAMEWORK: 'update_framework',
};

export class BadRequest extends Error {}

/** Proto-required fields that stout reports as "Missing required fields: …" (a subset: the ones calls carry). */
export function missingRequired(call: any): string[] {
  const miss: string[] = [];
  const idOk = (o: any) => o && typeof o === 'object' && typeof o.value === 'string';
  const need = (cond: boolean, p: string) => { if (!cond) miss.push(p); };
  if (call.framework_id !== undefined) need(idOk(call.framework_id), 'framework_id.value');
  const fi = call.subscribe?.framework_info;
  if (call.subscribe !== undefined) {
    need(fi && typeof fi === 'object', 'subscribe.framework_info');
    if (fi && typeof fi === 'object') {
      need(typeof fi.user === 'string', 'subscribe.framework_info.user');
      need(typeof fi.name === 'string', 'subscribe.framework_info.name');
    }
  }
  const ops = call.accept?.operations;
  if (Array.isArray(ops)) {
    ops.forEach((op: any, i: number) => {
      need(op && typeof op.type === 'string', `accept.operations[${i}].type`);
      const tis = op?.launch?.task_infos;
      if (Array.isArray(tis)) {
        tis.forEach((t: any, j: number) => {
          const p = `accept.operations[${i}].launch.task_infos[${j}]`;
          need(typeof t?.name === 'string', `${p}.name`);
          need(idOk(t?.task_id), `${p}.task_id`);
          need(idOk(t?.agent_id), `${p}.agent_id`);
        });
      }
    });
  }
  if (call.acknowledge !== undefined) {
    need(idOk(call.acknowledge?.agent_id), 'acknowledge.agent_id');
    need(idOk(call.acknowledge?.task_id), 'acknowledge.task_id');
    need(typeof call.acknowledge?.uuid === 'string', 'acknowledge.uuid');
  }
  if (call.kill !== undefined) need(idOk(call.kill?.task_id), 'kill.task_id');
  if (Array.isArray(call.reconcile?.tasks)) call.reconcile.tasks.forEach((t: any, i: number) => need(idOk(t?.task_id), `reconcile.tasks[${i}].task_id`));
  if (call.message !== undefined) {
    need(idOk(call.message?.agent_id), 'message.agent_id');
    need(idOk(call.message?.executor_id), 'message.executor_id');
    need(typeof call.message?.data === 'string', 'message.data');
  }
  return miss;
}
