//go:build windows

package maildir

import "errors"

func mkfifo(string) error { return errors.New("no FIFOs on Windows") }
