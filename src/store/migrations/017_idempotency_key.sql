-- Idempotency keys (Idempotency-Key request header): what a request with a key made, written in the
-- transaction that made it, so a client that sends the request again gets the same job or recipe.
CREATE TABLE idempotency_key (
  key text PRIMARY KEY,
  fingerprint text NOT NULL,
  kind text NOT NULL,
  made_id bigint NOT NULL,
  created timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idempotency_key_created ON idempotency_key (created);
