package postgres

import (
	"crypto/sha256"
	"encoding/hex"
	"unicode/utf8"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// maxIdentBytes is PostgreSQL's identifier limit (NAMEDATALEN - 1); longer
// names are silently truncated by the server, so kiln never sends one.
const maxIdentBytes = 63

// tempName names the relation a build creates before swapping it in: the
// target's name, "__kiln_tmp_" and a hash of the invocation and the target,
// so it is unique per invocation and target even when long names are cut.
func tempName(rel warehouse.Relation, invocationID string) string {
	return scratchName(rel, invocationID, "__kiln_tmp_")
}

// backupName names the old relation between the two renames of a swap.
func backupName(rel warehouse.Relation, invocationID string) string {
	return scratchName(rel, invocationID, "__kiln_old_")
}

func scratchName(rel warehouse.Relation, invocationID, infix string) string {
	sum := sha256.Sum256([]byte(invocationID + "\x00" + rel.Schema + "\x00" + rel.Name))
	suffix := infix + hex.EncodeToString(sum[:])[:8]
	return truncateBytes(rel.Name, maxIdentBytes-len(suffix)) + suffix
}

// truncateBytes cuts s to at most n bytes without splitting a character.
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
