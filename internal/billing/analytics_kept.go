package billing

import "time"

// A report keeps the MRR figures of the months that are over, so that the
// next one reads them instead of the records (docs/analytics.md, "Closed
// months are kept"). The figures of a month change only if a record is
// written or deleted inside it, and cuota writes a subscription's records
// from the time of the save on: in live mode a month that ended hours ago
// can no longer change. Only a test clock set in the past writes there;
// such a write moves the scope's epoch on, and kept months of an older
// epoch no longer count.
//
// The two margins below make that hold without a lock between a report
// and a write running at the same time: a report keeps a month only once
// it ended MRRKeepAfter ago, and a write counts as one into the past when
// it is half of that or more before its own now. A write that does not
// move the epoch therefore lands after every month a report may keep. A
// report reads the epoch before the records: a write into the past that
// commits in between leaves the report's months tagged with the epoch
// that write retired.

// MRRKeepAfter is how long after a month ends a report may keep its
// figures.
const MRRKeepAfter = 2 * time.Hour

// MRRPeriodKeepable reports whether a report may keep the i-th period of
// bounds at now: a whole month (not the report's last, partial period)
// that ended MRRKeepAfter ago or more.
func MRRPeriodKeepable(bounds []time.Time, i int, now time.Time) bool {
	return i+2 < len(bounds) && !bounds[i+1].After(now.Add(-MRRKeepAfter))
}

// MRRWriteIntoPast reports whether records written (or deleted) from at
// on may change a month a report kept: at is MRRKeepAfter/2 or more before
// now. Such a write moves the scope's epoch on (MRRWriteIntoPast is false
// for every save in live mode, whose records start at the save).
func MRRWriteIntoPast(at, now time.Time) bool {
	return at.Before(now.Add(-MRRKeepAfter / 2))
}

// KeptMRRPrefix returns the leading periods of bounds found in kept, in
// order, stopping at the first one missing, and the kept period a report
// goes on from (computing the rest from the records): the last of those,
// or, when bounds[0] itself is not kept, the kept period that ends at
// bounds[0] (nil if none).
func KeptMRRPrefix(bounds []time.Time, kept []MRRPeriod) (prefix []MRRPeriod, from *MRRPeriod) {
	type span struct{ start, end int64 }
	byBounds := make(map[span]MRRPeriod, len(kept))
	endingAt := map[int64]MRRPeriod{}
	for _, p := range kept {
		byBounds[span{p.Start.UnixMicro(), p.End.UnixMicro()}] = p
		endingAt[p.End.UnixMicro()] = p
	}
	for i := 0; i+1 < len(bounds); i++ {
		p, ok := byBounds[span{bounds[i].UnixMicro(), bounds[i+1].UnixMicro()}]
		if !ok {
			break
		}
		prefix = append(prefix, p)
	}
	if len(prefix) > 0 {
		return prefix, &prefix[len(prefix)-1]
	}
	if len(bounds) > 0 {
		if p, ok := endingAt[bounds[0].UnixMicro()]; ok {
			return nil, &p
		}
	}
	return nil, nil
}

// MRRStartAfter is the state at the end of period p for a report that
// goes on from there: p's end totals, and byCustomer, the state at that
// time of the customers whose MRR changes after it.
func MRRStartAfter(p MRRPeriod, byCustomer map[string]CustomerMRR) MRRStart {
	return MRRStart{Total: p.EndMRR, Subscriptions: p.EndSubscriptions, Customers: p.EndCustomers, ByCustomer: byCustomer}
}
