package maildir

// MaxContent is the most bytes of content one message carries: a door
// uses it to refuse a larger request before it has read all of it.
func (st *Store) MaxContent() int { return st.opts.MaxContent }

// MaxData is the most bytes of structured data one message carries.
func (st *Store) MaxData() int { return st.opts.MaxData }
