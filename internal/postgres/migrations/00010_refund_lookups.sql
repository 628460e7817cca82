-- +goose Up
-- Gateway notifications name refunds by the gateway's reference; the
-- refund reconciler looks at pending refunds, oldest update first.
CREATE INDEX refunds_gateway_ref_idx ON refunds (gateway_ref) WHERE gateway_ref <> '';
CREATE INDEX refunds_pending_idx ON refunds (updated) WHERE status = 'pending';

-- +goose Down
DROP INDEX refunds_pending_idx;
DROP INDEX refunds_gateway_ref_idx;
