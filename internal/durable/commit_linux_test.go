package durable

import "testing"

func TestReleaseAtLeast(t *testing.T) {
	for _, c := range []struct {
		release string
		want    bool
	}{
		{"6.8.0-45-generic", true}, {"5.8.0", true}, {"5.8-rc1", true}, {"5.15.167.4-microsoft-standard-WSL2", true},
		{"5.7.19", false}, {"4.19.0-27-amd64", false}, {"", false}, {"garbage", false}, {"6", false},
	} {
		if got := releaseAtLeast(c.release, 5, 8); got != c.want {
			t.Errorf("releaseAtLeast(%q, 5, 8) = %v, want %v", c.release, got, c.want)
		}
	}
}
