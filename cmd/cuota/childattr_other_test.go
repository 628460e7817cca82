//go:build unix && !linux

package main

import "os/exec"

// setChildAttrs does nothing where Pdeathsig does not exist; the tests'
// cleanups kill their children.
func setChildAttrs(*exec.Cmd) {}
