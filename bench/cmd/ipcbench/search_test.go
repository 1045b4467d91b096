package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ipc-dev/ipc/maildir"
)

// fakeSearcher answers with the ids it is given, the scan's apart.
type fakeSearcher struct{ index, scan []string }

func (f fakeSearcher) Search(_ context.Context, q maildir.SearchQuery) (maildir.SearchResult, error) {
	ids := f.index
	if q.Scan {
		ids = f.scan
	}
	var r maildir.SearchResult
	for _, id := range ids {
		r.Messages = append(r.Messages, maildir.Message{ID: id})
	}
	return r, nil
}

func TestCompareSearches(t *testing.T) {
	mix := []searchCase{{"term", maildir.SearchQuery{Text: "auth"}}}
	ctx := context.Background()
	if err := compareSearches(ctx, fakeSearcher{[]string{"a", "b"}, []string{"a", "b"}}, mix); err != nil {
		t.Errorf("the same pages: %v", err)
	}
	cases := []struct {
		index, scan []string
		want        string
	}{
		{[]string{"a", "c"}, []string{"a", "b"}, "term: the index's first page (2) differs from the scan's (2): first difference at 1: index c, scan b"},
		{[]string{"a"}, []string{"a", "b"}, "at 1: index (none), scan b"},
		{[]string{"b", "a"}, []string{"a", "b"}, "at 0: index b, scan a"},
		{nil, nil, "term: the scan found nothing"},
	}
	for _, c := range cases {
		err := compareSearches(ctx, fakeSearcher{c.index, c.scan}, mix)
		var d disagreement
		if !errors.As(err, &d) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("index %v, scan %v: %v; want a disagreement saying %q", c.index, c.scan, err, c.want)
		}
	}
}
