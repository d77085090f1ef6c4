package features

import (
	"encoding/json"
	"fmt"
	"strings"
)

// jsonLogLines decodes every stdout line of the last command as a JSON
// object; a line that is not one is an error.
func (s *scenario) jsonLogLines() ([]map[string]any, error) {
	if s.last == nil {
		return nil, fmt.Errorf("no kiln command has run")
	}
	var out []map[string]any
	for i, line := range strings.Split(strings.TrimRight(s.last.stdout, "\n"), "\n") {
		var obj map[string]any
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			return nil, fmt.Errorf("stdout line %d is not a JSON object: %v\n%s", i+1, err, s.last)
		}
		out = append(out, obj)
	}
	return out, nil
}

// everyLineIsJSON checks that stdout is JSON lines with ts, event and level.
func (s *scenario) everyLineIsJSON() error {
	lines, err := s.jsonLogLines()
	if err != nil {
		return err
	}
	for i, obj := range lines {
		for _, k := range []string{"ts", "event", "level"} {
			if _, ok := obj[k]; !ok {
				return fmt.Errorf("stdout line %d has no %q field\n%s", i+1, k, s.last)
			}
		}
	}
	return nil
}

// jsonEvent checks that some line with event E and node_id N has field F
// equal to V (compared as text).
func (s *scenario) jsonEvent(event, node, field, want string) error {
	lines, err := s.jsonLogLines()
	if err != nil {
		return err
	}
	want = s.expand(want)
	for _, obj := range lines {
		if obj["event"] != event || (node != "" && obj["node_id"] != node) {
			continue
		}
		if got := fmt.Sprint(obj[field]); got == want {
			return nil
		} else {
			return fmt.Errorf("%s of %s has %s = %q, want %q\n%s", event, node, field, got, want, s.last)
		}
	}
	return fmt.Errorf("no %q event for %q in the JSON log\n%s", event, node, s.last)
}
