package features

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

// maxShown caps how much of a file a failure message shows.
const maxShown = 4000

func (s *scenario) fileExists(rel, mode string) error {
	_, err := os.Stat(s.path(rel))
	switch {
	case err == nil && mode == "does not exist":
		return fmt.Errorf("%s exists, want none%s", rel, s.runContext())
	case err != nil && mode == "exists":
		return fmt.Errorf("%s: %w%s", rel, err, s.runContext())
	}
	return nil
}

func (s *scenario) fileContains(rel, mode, text string) error {
	b, err := os.ReadFile(s.path(rel))
	if err != nil {
		return fmt.Errorf("%w%s", err, s.runContext())
	}
	text = s.expand(text)
	if has := strings.Contains(string(b), text); has != (mode == "contains") {
		return fmt.Errorf("%s %s %q, want the opposite; it holds:\n%s%s", rel, negate(mode), text, shorten(string(b)), s.runContext())
	}
	return nil
}

func shorten(s string) string {
	if len(s) > maxShown {
		return s[:maxShown] + "\n[...]"
	}
	return s
}

// jsonEquals checks one value of a JSON file: see lookup for the path, and
// jsonText for how the value is compared to the expected text.
func (s *scenario) jsonEquals(rel, path, want string) error {
	b, err := os.ReadFile(s.path(rel))
	if err != nil {
		return fmt.Errorf("%w%s", err, s.runContext())
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	path, want = s.expand(path), s.expand(want)
	segs, err := splitPath(path)
	if err != nil {
		return fmt.Errorf("JSON path %q: %w", path, err)
	}
	v, err := lookup(doc, segs)
	if err != nil {
		return fmt.Errorf("%s: %s: %w%s", rel, path, err, s.runContext())
	}
	if got := jsonText(v); got != want {
		return fmt.Errorf("%s: %s is %s, want %s%s", rel, path, got, want, s.runContext())
	}
	return nil
}

// jsonText renders a decoded JSON value for comparison: strings as they are,
// numbers as written in the file, true/false, null, and arrays and objects
// as compact JSON with sorted keys.
func jsonText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case nil:
		return "null"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// splitPath splits a JSON path at its dots, keeping [...] filters whole:
// "results[unique_id=model.shop.orders].status" is
// results, [unique_id=model.shop.orders], status.
func splitPath(path string) ([]string, error) {
	var segs []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			segs = append(segs, cur.String())
			cur.Reset()
		}
	}
	for i := 0; i < len(path); i++ {
		switch c := path[i]; c {
		case '.':
			flush()
		case '[':
			flush()
			end := strings.IndexByte(path[i:], ']')
			if end < 0 {
				return nil, fmt.Errorf("unclosed [")
			}
			segs = append(segs, path[i:i+end+1])
			i += end
		default:
			cur.WriteByte(c)
		}
	}
	flush()
	return segs, nil
}

// lookup follows segs through v. At an object, a key may itself contain
// dots: "nodes.model.shop.orders.name" finds nodes["model.shop.orders"]
// ["name"]. At an array, a segment is an index ("results.0") or a filter
// "[key=value]" picking the first element whose key is value
// ("results[unique_id=model.shop.orders].status").
func lookup(v any, segs []string) (any, error) {
	if len(segs) == 0 {
		return v, nil
	}
	seg := segs[0]
	switch v := v.(type) {
	case map[string]any:
		var firstErr error
		for k := 1; k <= len(segs) && !strings.HasPrefix(segs[k-1], "["); k++ {
			val, ok := v[strings.Join(segs[:k], ".")]
			if !ok {
				continue
			}
			got, err := lookup(val, segs[k:])
			if err == nil {
				return got, nil
			}
			if firstErr == nil {
				firstErr = err
			}
		}
		if firstErr != nil {
			return nil, firstErr
		}
		return nil, fmt.Errorf("no key %q in an object with keys %s", seg, keysOf(v))
	case []any:
		if key, want, ok := strings.Cut(strings.TrimSuffix(strings.TrimPrefix(seg, "["), "]"), "="); ok && strings.HasPrefix(seg, "[") {
			for _, el := range v {
				if m, ok := el.(map[string]any); ok && jsonText(m[key]) == want {
					return lookup(el, segs[1:])
				}
			}
			return nil, fmt.Errorf("no element of a %d-element array has %s", len(v), seg)
		}
		i, err := strconv.Atoi(seg)
		if err != nil {
			return nil, fmt.Errorf("%q is not an index or a [key=value] filter of an array", seg)
		}
		if i < 0 || i >= len(v) {
			return nil, fmt.Errorf("index %d out of a %d-element array", i, len(v))
		}
		return lookup(v[i], segs[1:])
	}
	return nil, fmt.Errorf("%q: %s is not an object or an array", seg, jsonText(v))
}

// keysOf lists an object's keys for error messages.
func keysOf(m map[string]any) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, strconv.Quote(k))
	}
	sort.Strings(keys)
	if len(keys) > 20 {
		keys = append(keys[:20], "...")
	}
	return "[" + strings.Join(keys, ", ") + "]"
}
