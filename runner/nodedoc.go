package runner

import "github.com/kiln-dev/kiln/runner/project"

// The documentation of a node, whatever its kind.

func (n *Node) columns() []project.Column {
	if n.Model != nil {
		return n.Model.Columns
	}
	if n.Seed != nil {
		return n.Seed.Columns
	}
	return nil
}

func (n *Node) description() string {
	if n.Model != nil {
		return n.Model.Description
	}
	if n.Seed != nil {
		return n.Seed.Description
	}
	return ""
}

func (n *Node) patchPath() string {
	if n.Model != nil {
		return n.Model.PatchPath
	}
	if n.Seed != nil {
		return n.Seed.PatchPath
	}
	return ""
}
