package sharecmd

import "strings"

// Environ returns env (as os.Environ gives it) without the variables that
// carry a secret of this product, so that a shared command cannot send one
// to the peer: IPC_SHARED_SECRET, the only secret the product reads today,
// and by rule any IPC_ variable whose name speaks of a secret, token,
// proof, password or key (a client's session token, say). The product's
// other settings stay, IPC_ID and IPC_HOME among them: they are not
// secrets, the command runs as the same user with the same access to the
// mailbox, and an ipc run by the command acts as the sharing agent would
// in its own shell (in secure mode it has no secret to register with).
// Names compare case-insensitively, as Windows compares them.
func Environ(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if !secretName(name) {
			out = append(out, kv)
		}
	}
	return out
}

// secretName reports whether the variable name carries a secret of this
// product.
func secretName(name string) bool {
	name = strings.ToUpper(name)
	if !strings.HasPrefix(name, "IPC_") {
		return false
	}
	for _, word := range []string{"SECRET", "TOKEN", "PROOF", "PASSWORD", "PASSWD", "KEY"} {
		if strings.Contains(name, word) {
			return true
		}
	}
	return false
}
