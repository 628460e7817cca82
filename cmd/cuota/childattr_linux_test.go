package main

import (
	"os/exec"
	"syscall"
)

// setChildAttrs makes the kernel kill a child if the test binary dies
// without cleaning up (a panic or a -timeout).
func setChildAttrs(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
