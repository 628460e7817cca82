-- +goose Up
-- A test clock's advance holds a lease on the clock: advance_token names
-- the advance, advancing_until is when its lease ends unless renewed (the
-- advance renews it while it works), and advance_target is the time the
-- advance was asked to reach. Recovery takes over only a clock whose lease
-- ended (its advancing process is gone) and resumes it to advance_target,
-- so a process that starts never takes a clock another live process is
-- advancing. A clock already advancing now (an advance of the previous
-- version, which keeps no lease) gets ten minutes before it counts as
-- abandoned. Times are unix microseconds, as in 00001.
ALTER TABLE test_clocks ADD COLUMN advance_target integer;
ALTER TABLE test_clocks ADD COLUMN advance_token text NOT NULL DEFAULT '';
ALTER TABLE test_clocks ADD COLUMN advancing_until integer;
UPDATE test_clocks SET advancing_until = CAST((julianday('now') - 2440587.5) * 86400000000 AS integer) + 600000000
WHERE status = 'advancing';

-- +goose Down
ALTER TABLE test_clocks DROP COLUMN advancing_until;
ALTER TABLE test_clocks DROP COLUMN advance_token;
ALTER TABLE test_clocks DROP COLUMN advance_target;
