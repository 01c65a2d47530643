// RecordIO framing for the Mesos master double: the server's own codec (src/executors/mesos/recordio.ts).
export { encodeRecord, RecordIODecoder } from '../../src/executors/mesos/recordio.ts';
