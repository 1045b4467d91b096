package sharecmd

import (
	"reflect"
	"testing"
)

func TestEnviron(t *testing.T) {
	env := []string{
		"PATH=/bin", "HOME=/home/a", "IPC_ID=alice", "IPC_HOME=/m", "IPC_SHARE_COMMAND=1",
		"IPC_SHARED_SECRET=s", "ipc_shared_secret=s", "IPC_SESSION_TOKEN=t", "IPC_AUTH_TOKEN=t",
		"IPC_PROOF=p", "IPC_API_KEY=k", "IPC_PASSWORD=p", "MY_TOKEN=other-product",
		"=C:=C:\\work", "NOEQUALS",
	}
	want := []string{
		"PATH=/bin", "HOME=/home/a", "IPC_ID=alice", "IPC_HOME=/m", "IPC_SHARE_COMMAND=1",
		"MY_TOKEN=other-product", "=C:=C:\\work", "NOEQUALS",
	}
	if got := Environ(env); !reflect.DeepEqual(got, want) {
		t.Fatalf("Environ = %q\nwant %q", got, want)
	}
}
