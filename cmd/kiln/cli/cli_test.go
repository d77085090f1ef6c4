package cli

import (
	"bytes"
	"strings"
	"testing"
)

func TestEmptyArgumentsAreIgnored(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := Main([]string{"", "--version", ""}, &out, &errOut); code != ExitOK {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	if !strings.Contains(out.String(), Version) {
		t.Fatalf("--version printed %q", out.String())
	}
}

func TestBadFlagsExit2(t *testing.T) {
	for _, args := range [][]string{
		{"run", "--no-such-flag"},
		{"run", "--threads", "-1"},
		{"run", "--log-format", "xml"},
		{"run", "--defer"},
		{"frobnicate"},
	} {
		var out, errOut bytes.Buffer
		if code := Main(args, &out, &errOut); code != ExitBadInput {
			t.Errorf("%v: exit %d, want %d (stderr %q)", args, code, ExitBadInput, errOut.String())
		}
	}
}
