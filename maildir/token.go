package maildir

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"time"
)

// sessionsIndex maps sha256 token hashes to their identity. Tokens
// themselves are never stored.
type sessionsIndex map[string]tokenEntry

type tokenEntry struct {
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
	Revoked time.Time `json:"revoked,omitzero"` // a revocation record (see revokedKey)
}

// revokedKey is the index key that remembers a token revoked by a new
// registration of its name, until the token would have expired, so that
// its holder is told what happened instead of "unknown token". The prefix
// keeps it from ever matching a token hash, also for older versions.
func revokedKey(hash string) string { return "revoked:" + hash }

// tokenSalt prefixes a token before hashing (the original product's scheme,
// so hashes stay comparable).
const tokenSalt = "claude-ipc-mcp-v2:"

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(tokenSalt + token))
	return hex.EncodeToString(sum[:])
}

// Proof returns the secure-mode registration proof of id for secret:
// hex(sha256("<id>:<secret>")), as the original clients compute it.
func Proof(id, secret string) string {
	sum := sha256.Sum256([]byte(id + ":" + secret))
	return hex.EncodeToString(sum[:])
}

// checkProof compares proof with the expected one in constant time.
func (st *Store) checkProof(id, proof string) bool {
	if st.opts.Secret == "" {
		return true
	}
	want := Proof(id, st.opts.Secret)
	return subtle.ConstantTimeCompare([]byte(want), []byte(proof)) == 1
}

// SecureMode reports whether registration needs a proof.
func (st *Store) SecureMode() bool { return st.opts.Secret != "" }

// IssueToken gives the session a new token (43 URL-safe characters) for
// clients that come back on later connections, and revokes every earlier
// token of this identity: their holders' next use is refused with
// BadToken, saying that the name was registered again and when. Only the
// token's hash is stored.
func (s *Session) IssueToken(ctx context.Context) (string, error) {
	const op = OpRegister
	if err := s.begin(op); err != nil {
		return "", err
	}
	if err := s.refuseShared(op); err != nil {
		return "", err
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", ioError(op, s.ID(), err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw[:])
	h := hashToken(token)
	now := s.st.now()
	id := s.ID()
	err := s.st.sessions.update(func(ix *sessionsIndex) error {
		for k, e := range *ix {
			switch {
			case now.After(e.Expires):
				delete(*ix, k)
			case e.ID == id && e.Revoked.IsZero():
				delete(*ix, k)
				e.Revoked = now
				(*ix)[revokedKey(k)] = e
			}
		}
		(*ix)[h] = tokenEntry{ID: id, Created: now, Expires: now.Add(s.st.opts.TokenTTL)}
		return nil
	})
	if err != nil {
		return "", ioError(op, id, err)
	}
	s.mu.Lock()
	s.tokenHash = h
	s.expires = now.Add(s.st.opts.TokenTTL)
	s.refreshed = now
	s.mu.Unlock()
	return token, nil
}

// Resume returns the session a token belongs to: the live one of this
// process, or a new one holding the identity's presence. It fails with
// BadToken for an unknown token, Expired for an expired one, and InUse when
// another live process holds the identity.
func (st *Store) Resume(ctx context.Context, token string) (*Session, error) {
	const op = OpResume
	if token == "" {
		return nil, errorf(op, InvalidToken, "", "invalid or missing session token: register first")
	}
	ix, err := st.sessions.load()
	if err != nil {
		return nil, ioError(op, "", err)
	}
	h := hashToken(token)
	e, ok := ix[h]
	if r, revoked := ix[revokedKey(h)]; !ok && revoked && !st.now().After(r.Expires) {
		return nil, errorf(op, InvalidToken, r.ID, "%s was registered again at %s by another client, which revoked this token: it no longer acts as %s (registering again takes the name back)",
			r.ID, r.Revoked.Local().Format("2006-01-02 15:04:05"), r.ID)
	}
	if !ok {
		return nil, errorf(op, InvalidToken, "", "invalid or missing session token: register again")
	}
	now := st.now()
	if now.After(e.Expires) {
		return nil, errorf(op, TokenExpired, e.ID, "session expired: register again with the same instance id to recover your mailbox")
	}
	st.mu.Lock()
	s := st.live[e.ID]
	st.mu.Unlock()
	if s == nil {
		s, err = st.acquire(op, e.ID, false)
		if err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	s.tokenHash = h
	s.expires = e.Expires
	s.refreshed = e.Expires.Add(-st.opts.TokenTTL)
	s.mu.Unlock()
	return s, nil
}

// refreshToken slides the token's expiry forward, writing the index at most
// once an hour.
func (s *Session) refreshToken(now time.Time) {
	s.mu.Lock()
	h := s.tokenHash
	due := h != "" && now.Sub(s.refreshed) > time.Hour
	if h != "" {
		s.expires = now.Add(s.st.opts.TokenTTL)
	}
	if due {
		s.refreshed = now
	}
	s.mu.Unlock()
	if !due {
		return
	}
	_ = s.st.sessions.update(func(ix *sessionsIndex) error {
		e, ok := (*ix)[h]
		if !ok {
			return errSkipWrite
		}
		e.Expires = now.Add(s.st.opts.TokenTTL)
		(*ix)[h] = e
		return nil
	})
}

// LoginLocal is Login for a process that opened the store with the
// mailbox's secret, and so is trusted with it: the CLI, the hook and ipc
// mcp act as the identity their user configured. Clients that reach the
// mailbox through a door from elsewhere prove themselves with Login.
func (st *Store) LoginLocal(ctx context.Context, id string) (*Session, error) {
	return st.login(id, Proof(id, st.opts.Secret), false)
}

// InboxLocal is Inbox for a process trusted with the secret (see LoginLocal).
func (st *Store) InboxLocal(id string) (*Inbox, error) {
	return st.Inbox(id, Proof(id, st.opts.Secret))
}
