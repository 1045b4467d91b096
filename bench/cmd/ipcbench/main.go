// Command ipcbench measures ipc against the physical limit of one durable
// message (the bare fsync loop) and against the systems a user might pick
// instead (NATS JetStream and Redis, from package peers), in one run: every
// door of an ipc binary, each scenario several trials in a temporary root,
// then the ratios the performance targets are stated in. It lives in the
// bench module so that the shipped binary carries none of it and the
// product's dependencies stay small.
//
//	cd bench && go run ./cmd/ipcbench --ipc ../bin/ipc --quick
//
// Exit codes: 0 ok (a scenario that failed is a note), 1 failure, 2 usage.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs the suite and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	err := runBench(ctx, args, stdout, stderr)
	var usage usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &usage):
		fmt.Fprintf(stderr, "ipcbench: usage: %v\n", err)
		return 2
	}
	fmt.Fprintf(stderr, "ipcbench: %v\n", err)
	return 1
}
