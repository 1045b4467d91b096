package socket

// fileLimit returns 0: Windows has no per-process open-file limit to fit
// the connection cap into.
func fileLimit() int { return 0 }
