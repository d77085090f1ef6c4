package testgen

import (
	"fmt"
	"strings"
	"time"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// FreshnessRule is a source table's freshness: block, read.
type FreshnessRule struct {
	WarnAfter, ErrorAfter time.Duration // 0: no such threshold
	Filter                string        // a SQL condition on the rows considered; "" for all
}

// periods are the units of warn_after and error_after.
var periods = map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}

// ParseFreshness reads a freshness: block, as in
//
//	freshness:
//	  warn_after: {count: 12, period: hour}
//	  error_after: {count: 1, period: day}
//	  filter: "loaded_at > now() - interval '3 days'"
//
// A threshold whose count is null is off. m may hold Jinja already
// rendered; nil is no freshness check.
func ParseFreshness(m map[string]any) (FreshnessRule, error) {
	var r FreshnessRule
	var errs []string
	for _, k := range sortedKeys(m) {
		v := m[k]
		switch k {
		case "warn_after", "error_after":
			d, err := threshold(v)
			if err != nil {
				errs = append(errs, k+" "+err.Error())
			}
			if k == "warn_after" {
				r.WarnAfter = d
			} else {
				r.ErrorAfter = d
			}
		case "filter":
			if v == nil {
				continue
			}
			s, ok := v.(string)
			if !ok {
				errs = append(errs, "filter must be a SQL condition, got "+describe(v))
			}
			r.Filter = strings.TrimSpace(s)
		default:
			errs = append(errs, fmt.Sprintf("unknown freshness key '%s' (use warn_after, error_after, filter)", k))
		}
	}
	if len(errs) > 0 {
		return r, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return r, nil
}

// threshold reads {count: N, period: minute|hour|day}.
func threshold(v any) (time.Duration, error) {
	if v == nil {
		return 0, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return 0, fmt.Errorf("must be a mapping {count: N, period: hour}, got %s", describe(v))
	}
	if m["count"] == nil {
		return 0, nil
	}
	n, ok := intValue(m["count"])
	if !ok || n <= 0 {
		return 0, fmt.Errorf("count must be a whole number above 0, got %s", describe(m["count"]))
	}
	p, _ := m["period"].(string)
	unit, ok := periods[p]
	if !ok {
		return 0, fmt.Errorf("period must be minute, hour or day, got %s", describe(m["period"]))
	}
	for k := range m {
		if k != "count" && k != "period" {
			return 0, fmt.Errorf("has an unknown key '%s' (use count and period)", k)
		}
	}
	return time.Duration(n) * unit, nil
}

// Active reports whether the rule checks anything.
func (r FreshnessRule) Active() bool { return r.WarnAfter > 0 || r.ErrorAfter > 0 }

// Age is how old the newest row was when f was read; ok is false when
// the table had no row, which dbt counts as infinitely old.
func Age(f warehouse.Freshness) (age time.Duration, ok bool) {
	if f.MaxLoadedAt.IsZero() {
		return 0, false
	}
	return f.SnapshotAt.Sub(f.MaxLoadedAt), true
}

// Status is dbt's outcome of a freshness check: "error" past error_after,
// else "warn" past warn_after, else "pass". A table without rows is past
// every threshold.
func (r FreshnessRule) Status(f warehouse.Freshness) string {
	age, ok := Age(f)
	past := func(limit time.Duration) bool { return limit > 0 && (!ok || age > limit) }
	switch {
	case past(r.ErrorAfter):
		return "error"
	case past(r.WarnAfter):
		return "warn"
	default:
		return "pass"
	}
}
