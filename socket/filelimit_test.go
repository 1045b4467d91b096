package socket

import "testing"

// TestConnLimits: the connection cap leaves room for the mailbox's own
// files under a low open-file limit, and is left alone under a high one.
func TestConnLimits(t *testing.T) {
	for _, tc := range []struct{ max, limit, conns, rejecters int }{
		{512, 1 << 20, 512, 64},
		{512, 1024, 512, 64},
		{512, 256, 160, 32},
		{512, 128, 80, 16},
		{512, 64, 24, 8},
		{512, 16, 1, 2},
		{10, 128, 10, 16},
	} {
		conns, rej := connLimits(tc.max, tc.limit)
		if conns != tc.conns || rej != tc.rejecters {
			t.Errorf("connLimits(%d, %d) = %d, %d, want %d, %d", tc.max, tc.limit, conns, rej, tc.conns, tc.rejecters)
		}
		if tc.limit >= 64 && conns+rej > tc.limit*3/4 {
			t.Errorf("connLimits(%d, %d) = %d + %d leaves less than a quarter of the files", tc.max, tc.limit, conns, rej)
		}
	}
}
