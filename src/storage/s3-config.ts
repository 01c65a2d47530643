// What an S3 workspace is configured with, apart from the broker that reaches it (s3-broker.ts),
// so the code that only reads configurations does not load the AWS SDK.

export interface S3BrokerConfig {
  bucket_name: string;
  region_name?: string;
  endpoint_url?: string;
  credentials?: { access_key_id: string; secret_access_key: string };
}

/** What a workspace's configuration does not say: the server's settings (S3_ENDPOINT, AWS_REGION, SCALE_S3_TIMEOUT_SECONDS). */
export interface S3Defaults {
  /** An S3-compatible server to use instead of AWS (MinIO, s3rver); path-style requests. */
  endpoint: string | null;
  region: string;
  /** How long a request may move no byte (a stalled server) before it is abandoned and tried again; 0: no limit. */
  idleTimeoutSeconds: number;
}

export const S3_DEFAULTS: S3Defaults = { endpoint: null, region: 'us-east-1', idleTimeoutSeconds: 30 };
