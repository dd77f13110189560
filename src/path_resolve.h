/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Canonical paths in user space from what the kernel reports: a base directory it derived
 * (the task's root, cwd or dirfd, via d_path) and the string the process passed.
 * All functions return the length written to out (NUL-terminated) or -errno; none allocate.
 */
#ifndef WARD_PATH_RESOLVE_H
#define WARD_PATH_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Lexically normalise an absolute path: collapse "//", drop ".", apply ".." (never above "/"),
 * no trailing "/" except for "/" itself. Returns the length, -EINVAL if in is not absolute or
 * -ENAMETOOLONG if the result does not fit in outsz bytes. in and out may not overlap.
 */
int ward_path_normalize(const char *in, char *out, size_t outsz);

/*
 * Join the kernel-derived base directory (absolute) and the caller's string, then normalise.
 * An absolute req is taken relative to base, which is then the task's root directory (usually
 * "/"), and ".." cannot climb above that root, as in the kernel. A relative req is taken
 * relative to base (the dirfd or cwd) and ".." may climb to "/". An empty or NULL req gives
 * base. Returns the length, -EINVAL or -ENAMETOOLONG.
 */
int ward_path_join(const char *base, const char *req, char *out, size_t outsz);

#define WARD_RESOLVE_NOFOLLOW 1u	/* do not follow a symlink in the final component */

/*
 * Full resolution against the live file system, as the acting task (pid, tid) would have seen
 * it: "/proc/self" and "/proc/thread-self" mean that task, not ward (a tid of 0 is taken as
 * pid); symlinks and /proc magic links are followed, and ".." after a symlink applies to its
 * target, as in the kernel. With WARD_RESOLVE_NOFOLLOW a symlink in the final component is not
 * followed (a trailing "/" still follows it, as in the kernel). If only the final component is
 * missing (a file about to be created, or gone), the result is the resolved directory plus that
 * name. A /proc magic link to something that is not a path (pipe:[..], socket:[..]) resolves to
 * the link itself, e.g. "/proc/<pid>/fd/3".
 *
 * *resolved_fs is true when the live file system confirmed the directory part (and the final
 * component if it exists). When it cannot answer (directory gone, loop, a pid of 0 through
 * /proc/self) the result is the lexical ward_path_join() result with a leading "/proc/self" or
 * "/proc/thread-self" replaced, and *resolved_fs is false.
 *
 * Known limits: base is trusted to be canonical (it comes from d_path); the live file system is
 * ward's mount namespace, so a task in another one may get a host path that happens to exist;
 * for a relative req the task's root is unknown, so its absolute symlinks resolve from "/".
 *
 * Returns the length or -EINVAL / -ENAMETOOLONG (the result does not fit in outsz bytes).
 */
int ward_path_resolve(const char *base, const char *req, unsigned int flags, uint32_t pid,
		      uint32_t tid, char *out, size_t outsz, bool *resolved_fs);

#endif /* WARD_PATH_RESOLVE_H */
