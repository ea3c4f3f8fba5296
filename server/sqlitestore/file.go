package sqlitestore

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"strings"
)

// ApplicationID marks a walkme-sessiond database (PRAGMA application_id,
// "WMSS"): a SQLite file without it is some other program's and is
// refused rather than filled with a new schema and new keys.
const ApplicationID = 0x574d5353

// sqliteMagic starts every SQLite database file.
const sqliteMagic = "SQLite format 3\x00"

// ErrNotExist is returned by OpenExisting for a missing database file.
var ErrNotExist = errors.New("database does not exist")

// prepare makes sure path is either a new, private, empty file that this
// call created (fresh), or an existing SQLite file. An empty or non-SQLite
// file is refused: opening it would start a new database with new keys,
// which signs every agent out.
func prepare(path string, create bool) (fresh bool, err error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		if !create {
			return false, fmt.Errorf("%s: %w", path, ErrNotExist)
		}
		return true, createPrivate(path)
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	fi, err := f.Stat()
	switch {
	case err != nil:
		return false, err
	case !fi.Mode().IsRegular():
		return false, fmt.Errorf("%s is not a regular file", path)
	case fi.Size() == 0:
		return false, fmt.Errorf("%s is empty, not a walkme-sessiond database: refusing to start a new one with new keys (remove the file to create a new database)", path)
	}
	head := make([]byte, len(sqliteMagic))
	if _, err := io.ReadFull(f, head); err != nil || !bytes.Equal(head, []byte(sqliteMagic)) {
		return false, fmt.Errorf("%s is not a SQLite database, nor a walkme-sessiond one", path)
	}
	return false, nil
}

// createPrivate creates path empty with mode 0600. SQLite then creates
// the -wal, -shm and -journal files with the database file's own mode,
// whatever the umask, so they are private too.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	// The umask only clears bits, but a umask such as 0277 would clear
	// the owner's write bit: set the mode outright.
	err = f.Chmod(0o600)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

// companions are the files SQLite keeps beside a database.
func companions(path string) []string {
	return []string{path, path + "-wal", path + "-shm", path + "-journal"}
}

// CheckPrivate reports the database's files (the database, its -wal,
// -shm and -journal) that users other than their owner may read or write:
// they hold the signing keys. Windows has no such modes; nothing is
// reported there.
func CheckPrivate(path string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	var loose, modes []string
	for _, p := range companions(path) {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if m := fi.Mode().Perm(); m&0o077 != 0 {
			loose = append(loose, p)
			modes = append(modes, fmt.Sprintf("%s has mode %04o", p, m))
		}
	}
	if len(loose) == 0 {
		return nil
	}
	return fmt.Errorf("%s: other users can read the server's signing keys; run `chmod 600 %s`",
		strings.Join(modes, ", "), strings.Join(loose, " "))
}
