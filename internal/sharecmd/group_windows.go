//go:build windows

package sharecmd

import (
	"os"
	"os/exec"
	"unsafe"

	"golang.org/x/sys/windows"
)

// group is a job object holding the command and what it starts, so that
// they can be killed together; closing the job kills what is left in it.
// Where no job can be made or the command cannot be put in one, the group
// is the command alone.
type group struct {
	job      windows.Handle
	assigned bool
	proc     *os.Process
}

// newGroup makes the job that the command is put in once started.
func newGroup(*exec.Cmd) *group {
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return &group{}
	}
	info := windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION{
		BasicLimitInformation: windows.JOBOBJECT_BASIC_LIMIT_INFORMATION{
			LimitFlags: windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
		},
	}
	if _, err := windows.SetInformationJobObject(job, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		windows.CloseHandle(job)
		return &group{}
	}
	return &group{job: job}
}

// attach puts the started command in the job.
func (g *group) attach(p *os.Process) {
	g.proc = p
	if g.job == 0 {
		return
	}
	h, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, uint32(p.Pid))
	if err != nil {
		return
	}
	defer windows.CloseHandle(h)
	g.assigned = windows.AssignProcessToJobObject(g.job, h) == nil
}

// kill ends every process of the job, or the command alone.
func (g *group) kill() {
	if g.assigned {
		windows.TerminateJobObject(g.job, 1)
		return
	}
	if g.proc != nil {
		g.proc.Kill()
	}
}

func (g *group) close() {
	if g.job != 0 {
		windows.CloseHandle(g.job)
	}
}
