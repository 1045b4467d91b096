package maildir

import "context"

// Search finds the mail the session's agent sent or received, newest first.
func (s *Session) Search(ctx context.Context, q SearchQuery) (SearchResult, error) {
	return SearchResult{}, errorf(OpSearch, Internal, s.ID(), "search is not built yet")
}
