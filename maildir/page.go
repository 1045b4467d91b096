package maildir

import "time"

// Page bounds a listing that may run to 100,000 messages: at most Limit
// entries, starting after a cursor the previous page returned. Each
// listing says which way it runs.
type Page struct {
	Limit int    // the most entries returned; 0 means the listing's default
	After string // a Next of the previous page; "" starts at the beginning
}

// MessagePage is one page of messages.
type MessagePage struct {
	Messages []Message
	Next     string // the cursor of the next page; "" when this is the last
}

// SearchQuery is a search of the mail an agent sent or received.
type SearchQuery struct {
	Text   string    // terms (all must match), "quoted phrases", prefix* terms
	From   string    // only mail from this agent
	To     string    // only mail to this agent
	Thread string    // only this conversation (any message id of it)
	Since  time.Time // only mail sent at or after this time
	Unread bool      // only mail not read yet
	Page             // newest first
	Scan   bool      // read every file instead of the index: the baseline the index is measured against
}

// SearchResult is one page of a search, newest first.
type SearchResult struct {
	MessagePage
	Rebuilt bool // the index was missing, stale or corrupt and was rebuilt for this search
}
