-- name: CreateCoupon :exec
INSERT INTO coupons (id, merchant_id, mode, name, percent_off_bp, amount_off, currency, duration,
                     duration_in_months, max_redemptions, redeem_by, times_redeemed, metadata, created, updated)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(name), sqlc.arg(percent_off_bp),
        sqlc.arg(amount_off), sqlc.arg(currency), sqlc.arg(duration), sqlc.arg(duration_in_months),
        sqlc.arg(max_redemptions), sqlc.narg(redeem_by), sqlc.arg(times_redeemed), sqlc.arg(metadata),
        sqlc.arg(created), sqlc.arg(updated));

-- name: GetCoupon :one
SELECT * FROM coupons WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

-- name: UpdateCoupon :execrows
UPDATE coupons SET name = sqlc.arg(name), metadata = sqlc.arg(metadata), updated = sqlc.arg(updated)
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

-- name: ListCoupons :many
SELECT * FROM coupons
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode)
  AND (CAST(sqlc.arg(starting_after) AS text) = '' OR id < sqlc.arg(starting_after))
ORDER BY id DESC
LIMIT sqlc.arg(row_limit);

-- name: CreatePromotionCode :exec
INSERT INTO promotion_codes (id, merchant_id, mode, coupon_id, code, active, max_redemptions, expires_at,
                             times_redeemed, metadata, created, updated)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(coupon_id), sqlc.arg(code),
        sqlc.arg(active), sqlc.arg(max_redemptions), sqlc.narg(expires_at), sqlc.arg(times_redeemed),
        sqlc.arg(metadata), sqlc.arg(created), sqlc.arg(updated));

-- name: GetPromotionCode :one
SELECT * FROM promotion_codes WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

-- name: UpdatePromotionCode :execrows
UPDATE promotion_codes SET active = sqlc.arg(active), metadata = sqlc.arg(metadata), updated = sqlc.arg(updated)
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

-- name: ListPromotionCodes :many
SELECT * FROM promotion_codes
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode)
  AND (CAST(sqlc.arg(coupon_id) AS text) = '' OR coupon_id = sqlc.arg(coupon_id))
  AND (CAST(sqlc.arg(code) AS text) = '' OR code = sqlc.arg(code))
  AND (NOT CAST(sqlc.arg(filter_active) AS boolean) OR active = sqlc.arg(active))
  AND (CAST(sqlc.arg(starting_after) AS text) = '' OR id < sqlc.arg(starting_after))
ORDER BY id DESC
LIMIT sqlc.arg(row_limit);

-- name: RedeemCoupon :execrows
-- Counts one redemption (delta 1) unless that would pass max_redemptions,
-- or gives one back (delta -1).
UPDATE coupons SET times_redeemed = times_redeemed + sqlc.arg(delta)
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id)
  AND times_redeemed + sqlc.arg(delta) >= 0
  AND (max_redemptions = 0 OR times_redeemed + sqlc.arg(delta) <= max_redemptions);

-- name: RedeemPromotionCode :execrows
UPDATE promotion_codes SET times_redeemed = times_redeemed + sqlc.arg(delta)
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id)
  AND times_redeemed + sqlc.arg(delta) >= 0
  AND (max_redemptions = 0 OR times_redeemed + sqlc.arg(delta) <= max_redemptions);
