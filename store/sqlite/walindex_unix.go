//go:build linux || darwin || freebsd || netbsd || openbsd

package sqlite

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// The WAL-index header, as the SQLite file format documentation describes it
// ("WAL-mode File Format", section 2.1): the first 48 bytes of the -shm file, in the
// machine's byte order, followed by a copy of themselves. Among its fields are a
// transaction counter (iChange), the number of committed frames in the WAL (mxFrame) and
// the WAL's salts, so every commit changes it. A writer writes the second copy, then the
// first; a reader reads the first, then the second, and retries when they differ.
const (
	walIndexHeaderBytes = 48
	walIndexHeaderWords = walIndexHeaderBytes / 4
	walIndexFormat      = 3007000 // iVersion: the WAL-index format of SQLite 3.7.0 and later
	walIndexIsInit      = 12      // byte offset of isInit, 1 once the header is written
)

// walIndexVersion reads the version from the WAL-index header in the -shm file, mapped
// read-only. While any connection of this process has the database open, SQLite keeps
// the -shm file at least 32 KiB long (its first WAL-index block) and no other connection
// may truncate it (only the
// first to open a file nobody uses does), so the mapping stays backed while the Store
// that reads it is open.
type walIndexVersion struct {
	mem []byte
}

// walIndexes holds the -shm files this process has mapped, by device and inode. Their
// descriptors are never closed, nor their pages unmapped: closing any descriptor of a
// file drops every POSIX lock the process holds on it (fcntl(2)), SQLite's locks on the
// -shm file included, and SQLite keeps its own descriptors open for that reason. The
// cost is one descriptor and one mapped page per database file the process has opened.
var walIndexes struct {
	mu sync.Mutex
	m  map[[2]uint64]*walIndexVersion
}

// openWALIndex maps the header of the WAL-index of the database at path, or returns
// the mapping made before. It returns an error when the -shm file is missing, too short,
// or does not hold an initialised WAL-index header; the caller then uses PRAGMA
// data_version.
func openWALIndex(path string) (*walIndexVersion, error) {
	name := path + "-shm"
	fi, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	// Both copies of the header; the system maps the whole page they are in.
	const size = 2 * walIndexHeaderBytes
	if fi.Size() < size {
		return nil, fmt.Errorf("%s is %d bytes, shorter than the WAL-index header", name, fi.Size())
	}
	id, ok := fileID(fi)
	if !ok {
		return nil, errors.New("no device and inode for " + name)
	}

	walIndexes.mu.Lock()
	defer walIndexes.mu.Unlock()
	w := walIndexes.m[id]
	if w == nil {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		// Kept open from here on: see walIndexes. A file replaced between the stat and
		// the open would be filed under the other file's inode, which a later file may
		// reuse; it is not mapped.
		if same, err := sameFile(f, id); err != nil || !same {
			return nil, keepOpen(f, fmt.Errorf("%s changed while it was opened", name))
		}
		mem, err := syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ, syscall.MAP_SHARED)
		if err != nil {
			return nil, keepOpen(f, err)
		}
		w = &walIndexVersion{mem: mem}
		if walIndexes.m == nil {
			walIndexes.m = map[[2]uint64]*walIndexVersion{}
		}
		walIndexes.m[id] = w
		keepOpen(f, nil)
	}
	if _, ok, _ := w.current(context.Background()); !ok {
		return nil, errors.New("the -shm file does not hold an initialised WAL-index header")
	}
	return w, nil
}

// fileID returns the device and inode of fi.
func fileID(fi os.FileInfo) ([2]uint64, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return [2]uint64{}, false
	}
	return [2]uint64{uint64(st.Dev), uint64(st.Ino)}, true
}

// sameFile reports whether the open file f has device and inode id.
func sameFile(f *os.File, id [2]uint64) (bool, error) {
	fi, err := f.Stat()
	if err != nil {
		return false, err
	}
	got, ok := fileID(fi)
	return ok && got == id, nil
}

// keepOpen leaves f open for the life of the process (see walIndexes) and returns err.
func keepOpen(f *os.File, err error) error {
	openShmFiles = append(openShmFiles, f)
	return err
}

// openShmFiles keeps the descriptors of walIndexes reachable, so that no finalizer
// closes them.
var openShmFiles []*os.File

// current reads both copies of the header with atomic loads, in SQLite's reader order.
// Copies that differ mean a commit is writing them: no stable version (ok false).
func (w *walIndexVersion) current(context.Context) (v version, ok bool, err error) {
	p := unsafe.Pointer(unsafe.SliceData(w.mem))
	var second version
	for i := range v {
		v[i] = atomic.LoadUint32((*uint32)(unsafe.Add(p, 4*i)))
	}
	for i := range second {
		second[i] = atomic.LoadUint32((*uint32)(unsafe.Add(p, walIndexHeaderBytes+4*i)))
	}
	var isInit [4]byte
	binary.NativeEndian.PutUint32(isInit[:], v[walIndexIsInit/4])
	if v != second || v[0] != walIndexFormat || isInit[walIndexIsInit%4] != 1 {
		return version{}, false, nil
	}
	return v, true, nil
}

// walIndexChange is the word of the version that holds iChange, SQLite's count of the
// commits to the file.
const walIndexChange = 2

// oneCommitApart implements commitCounter with iChange: every commit adds one to it,
// and restarting the WAL leaves it as it is. Only a recovery sets it back, to 0, and
// SQLite recovers the WAL-index only after a writer died while writing its header. For
// a count after a recovery to pass for one commit, the crash, the recovery and exactly
// before+1 commits would all have to fall between a commit of this process and its
// read of the version.
func (w *walIndexVersion) oneCommitApart(before, after version) bool {
	return after[walIndexChange] == before[walIndexChange]+1 && after[walIndexChange] != 0
}

// close leaves the mapping in place: see walIndexes.
func (w *walIndexVersion) close() error { return nil }
