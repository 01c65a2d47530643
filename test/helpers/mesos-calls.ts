// Validation of scheduler calls as the real master does it before acting (apache/mesos
// src/master/validation.cpp, scheduler::call::validate); parsing against the protos is mesos-proto.ts.

/** The sub-message each call type must carry (VAL scheduler::call::validate: "Expecting 'x' to be present"). */
export const CALL_FIELD: Record<string, string> = {
  SUBSCRIBE: 'subscribe', ACCEPT: 'accept', DECLINE: 'decline', ACCEPT_INVERSE_OFFERS: 'accept_inverse_offers',
  DECLINE_INVERSE_OFFERS: 'decline_inverse_offers', KILL: 'kill', SHUTDOWN: 'shutdown', ACKNOWLEDGE: 'acknowledge',
  ACKNOWLEDGE_OPERATION_STATUS: 'acknowledge_operation_status', RECONCILE: 'reconcile', MESSAGE: 'message', REQUEST: 'request',
  UPDATE_FRAMEWORK: 'update_framework',
};

export class BadRequest extends Error {}
