// Package durable makes files durable and publishes them without ever
// replacing what is there: the storage engine beneath the mailbox rules.
//
// It holds:
//
//   - durable file creation: a file created exclusively, written, fsynced,
//     then its directory entry flushed (Syncer.Fill, Syncer.WriteFile);
//   - atomic replace: a temporary file flushed and renamed over the old one
//     (ReplaceFile);
//   - sync policies with group commit: under Batch, concurrent deliveries of
//     one process share their flushes (one syncfs for many items on Linux,
//     while it pays); Full gives each its own fsyncs; None never flushes
//     (Syncer);
//   - publishing without replacing: renameat2 RENAME_NOREPLACE, renamex_np
//     RENAME_EXCL, or link+unlink (Publish, Dir.Publish), and a rename
//     without os.Rename's extra lookup (Rename);
//   - directory descriptors: a Dir whose steps are all relative to one
//     descriptor, so a directory moved meanwhile is still the one worked on;
//     opening a directory or an entry without blocking on a FIFO or
//     following a link (OpenDir, OpenNoFollow);
//   - locks: an flock paired with an in-process mutex (Lock), a long-held
//     lock that is only ever tried (Hold), and a probe (HeldElsewhere);
//   - filesystem-type detection (DetectFS).
//
// It knows nothing of mailboxes: names of directories and files are the
// caller's. It imports no package of this module outside internal engines:
// no maildir, no door.
package durable
