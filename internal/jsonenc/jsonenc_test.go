package jsonenc

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

// trickyStrings covers every escape json.Marshal makes.
func trickyStrings() []string {
	var all strings.Builder
	for c := range 256 {
		all.WriteByte(byte(c))
	}
	return []string{
		"", "plain", `quote " backslash \ slash /`, "<html> & </html>", "\b\f\n\r\t\x00\x1f\x7f",
		"line\u2028para\u2029end", "é ü 日本 🎉", "bad \xff\xfe utf8 \xc3", "\xe2\x80", all.String(),
	}
}

func TestAppendStringIsMarshal(t *testing.T) {
	for _, s := range trickyStrings() {
		want, _ := json.Marshal(s)
		if got := AppendString(nil, s); string(got) != string(want) {
			t.Errorf("AppendString(%q) = %s, want %s", s, got, want)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		b := make([]byte, r.IntN(12))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		want, _ := json.Marshal(string(b))
		if got := AppendString(nil, string(b)); string(got) != string(want) {
			t.Fatalf("AppendString(%q) = %s, want %s", b, got, want)
		}
	}
}

type named string

func (n named) MarshalText() ([]byte, error) { return []byte("<" + string(n) + ">"), nil }

func TestAppendValueIsMarshal(t *testing.T) {
	values := []any{
		nil, "s", true, false, 0, -7, int64(1) << 40, 2.5, 1e-9, 1e21, float32(0.1), uint8(7),
		[]string(nil), []string{}, []string{"<&>", "b"}, []any(nil), []any{}, []any{1, "x", nil, []any{false}},
		map[string]any(nil), map[string]any{}, map[string]string(nil), map[string]string{"b": "1", "a": "<"},
		map[string]any{"z": map[string]any{"k": []any{1.0, "v"}}, "a": []string{"x"}, "m": map[string]string{"q": "r"}},
		map[string]int{"x": 1}, named("n"), map[string]any{"n": named("m")}, struct{ A int }{1},
	}
	for _, s := range trickyStrings() {
		values = append(values, s, map[string]any{s: s}, []any{s})
	}
	for _, v := range values {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := AppendValue(nil, v)
		if err != nil || string(got) != string(want) {
			t.Errorf("AppendValue(%#v) = %s, %v; want %s", v, got, err, want)
		}
	}
	for _, v := range []any{make(chan int), map[string]any{"c": func() {}}, []any{1, make(chan int)}} {
		if _, err := AppendValue(nil, v); err == nil {
			t.Errorf("AppendValue(%T) encoded a value json.Marshal refuses", v)
		}
	}
}

// TestAppendStringAlphabet compares AppendString with json.Marshal
// on random strings, valid UTF-8 or not.
func TestAppendStringAlphabet(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "<", ">", "&", "\"", "\\", "\n", "\x00", "\x1f", "\x7f", "é", "\u2028", "\u2029", "\xff", "\xe2\x82", "日", " "}
	for range 5000 {
		var s string
		for range r.IntN(12) {
			s += alphabet[r.IntN(len(alphabet))]
		}
		want, _ := json.Marshal(s)
		if got := AppendString(nil, s); string(got) != string(want) {
			t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
		}
	}
}
