/*
 * Why this file exists: the fault tests need the storage to fail exactly where a seed says —
 * ENOSPC or EIO at the N-th write or fsync of the log or of the checkpoints — and need a record of
 * every write, fsync and rename a real run makes (for ALICE-style crash images). lmdb-js writes
 * from its own thread through libc (pwrite64, writev, fdatasync, fsync), and Node's fs through
 * libuv (write, pwritev64, fsync, rename), so an LD_PRELOAD shim sees both. It is compiled at test
 * time with the machine's gcc (test/faults/fixtures/shim.ts); nothing is downloaded.
 *
 * Environment (all optional):
 *   FAULTFS_MATCH  substring of the file path (from /proc/self/fd) an operation must touch
 *   FAULTFS_OP     "write", "sync" or "any": which operations count towards FAULTFS_AT
 *   FAULTFS_AT     the first counted operation that fails (1-based); every later one fails too
 *   FAULTFS_ERRNO  the errno to fail with (28 ENOSPC, 5 EIO)
 *   FAULTFS_TRACE  file to append a binary trace of matching writes, syncs and renames to
 * Trace record: u8 kind (1 write, 2 sync, 3 rename, 4 truncate, 5 unlink, 6 mkdir, 7 durable write),
 *   u32 path length, path, write: u64 offset, u32 length, bytes; rename: u32 length, new path;
 *   truncate: u64 length. A durable write (kind 7, same layout as 1) went through a descriptor
 *   opened with O_DSYNC or O_SYNC: it is on the disk when write returns (LMDB writes its flushed
 *   meta page through one, me_mfd), without an fsync record.
 *   Unlinks are recorded so crash images (test/faults/fixtures/crash-images.ts) can tell a
 *   reclaimed checkpoint whose removal no directory fsync made durable.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static const char *match;
static int op_mask; /* 1 write, 2 sync */
static long fail_at = -1;
static int fail_errno = EIO;
static long counted;
static int trace_fd = -1;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

__attribute__((constructor)) static void init(void) {
  match = getenv("FAULTFS_MATCH");
  const char *op = getenv("FAULTFS_OP");
  op_mask = op == NULL ? 3 : strcmp(op, "write") == 0 ? 1 : strcmp(op, "sync") == 0 ? 2 : 3;
  const char *at = getenv("FAULTFS_AT");
  if (at != NULL) fail_at = atol(at);
  const char *en = getenv("FAULTFS_ERRNO");
  if (en != NULL) fail_errno = atoi(en);
  const char *trace = getenv("FAULTFS_TRACE");
  if (trace != NULL) trace_fd = (int)syscall(SYS_openat, AT_FDCWD, trace, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

static int fd_path(int fd, char *out, size_t size) {
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, out, size - 1);
  if (n < 0) return 0;
  out[n] = 0;
  return 1;
}

static int matches(const char *path) { return match == NULL || strstr(path, match) != NULL; }

static void raw_write(const void *bytes, size_t length) {
  const char *p = bytes;
  while (length > 0) {
    ssize_t n = syscall(SYS_write, trace_fd, p, length);
    if (n <= 0) return;
    p += n;
    length -= (size_t)n;
  }
}

static void trace_head(uint8_t kind, const char *path) {
  uint32_t length = (uint32_t)strlen(path);
  raw_write(&kind, 1);
  raw_write(&length, 4);
  raw_write(path, length);
}

/* Returns nonzero when this operation must fail (and sets errno). */
static int should_fail(int kind, const char *path) {
  if (fail_at < 0 || !(op_mask & kind) || !matches(path)) return 0;
  long n = __atomic_add_fetch(&counted, 1, __ATOMIC_SEQ_CST);
  if (n < fail_at) return 0;
  errno = fail_errno;
  return 1;
}

typedef ssize_t (*pwritev_fn)(int, const struct iovec *, int, off_t);
typedef ssize_t (*writev_fn)(int, const struct iovec *, int);
typedef int (*sync_fn)(int);
typedef int (*rename_fn)(const char *, const char *);
typedef int (*ftruncate_fn)(int, off_t);
#define REAL(name, type) static type real_##name; if (real_##name == NULL) real_##name = (type)dlsym(RTLD_NEXT, #name)

static void trace_write(int fd, const char *path, off_t offset, const struct iovec *iov, int iovcnt, ssize_t written) {
  if (trace_fd < 0 || written <= 0 || !matches(path)) return;
  int fl = fcntl(fd, F_GETFL);
  int durable = fl != -1 && (fl & O_DSYNC) != 0;
  pthread_mutex_lock(&lock);
  trace_head(durable ? 7 : 1, path);
  uint64_t off = (uint64_t)offset;
  uint32_t length = (uint32_t)written;
  raw_write(&off, 8);
  raw_write(&length, 4);
  size_t left = (size_t)written;
  for (int i = 0; i < iovcnt && left > 0; i++) {
    size_t take = iov[i].iov_len < left ? iov[i].iov_len : left;
    raw_write(iov[i].iov_base, take);
    left -= take;
  }
  pthread_mutex_unlock(&lock);
}

static ssize_t do_write(int fd, const struct iovec *iov, int iovcnt, off_t offset, int positional) {
  char path[4096] = "";
  int known = fd > 2 && fd_path(fd, path, sizeof path);
  if (known && should_fail(1, path)) return -1;
  off_t at = offset;
  if (known && !positional && trace_fd >= 0) at = lseek(fd, 0, SEEK_CUR);
  ssize_t n;
  if (positional) {
    REAL(pwritev64, pwritev_fn);
    n = real_pwritev64(fd, iov, iovcnt, offset);
  } else {
    REAL(writev, writev_fn);
    n = real_writev(fd, iov, iovcnt);
  }
  if (known) trace_write(fd, path, at, iov, iovcnt, n);
  return n;
}

ssize_t write(int fd, const void *buf, size_t count) {
  struct iovec v = {(void *)buf, count};
  return do_write(fd, &v, 1, 0, 0);
}
ssize_t writev(int fd, const struct iovec *iov, int iovcnt) { return do_write(fd, iov, iovcnt, 0, 0); }
ssize_t pwrite64(int fd, const void *buf, size_t count, off_t offset) {
  struct iovec v = {(void *)buf, count};
  return do_write(fd, &v, 1, offset, 1);
}
ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset) { return pwrite64(fd, buf, count, offset); }
ssize_t pwritev64(int fd, const struct iovec *iov, int iovcnt, off_t offset) { return do_write(fd, iov, iovcnt, offset, 1); }
ssize_t pwritev(int fd, const struct iovec *iov, int iovcnt, off_t offset) { return do_write(fd, iov, iovcnt, offset, 1); }

static int do_sync(int fd, int data_only) {
  char path[4096] = "";
  int known = fd_path(fd, path, sizeof path);
  if (known && should_fail(2, path)) return -1;
  int r;
  if (data_only) {
    REAL(fdatasync, sync_fn);
    r = real_fdatasync(fd);
  } else {
    REAL(fsync, sync_fn);
    r = real_fsync(fd);
  }
  if (known && r == 0 && trace_fd >= 0 && matches(path)) {
    pthread_mutex_lock(&lock);
    trace_head(2, path);
    pthread_mutex_unlock(&lock);
  }
  return r;
}
int fsync(int fd) { return do_sync(fd, 0); }
int fdatasync(int fd) { return do_sync(fd, 1); }

int rename(const char *from, const char *to) {
  REAL(rename, rename_fn);
  int r = real_rename(from, to);
  if (r == 0 && trace_fd >= 0 && matches(to)) {
    char a[4096], b[4096];
    if (realpath(to, b) == NULL) return r;
    /* `from` no longer exists: resolve its directory through the new name's. */
    const char *base = strrchr(from, '/');
    const char *dir_end = strrchr(b, '/');
    snprintf(a, sizeof a, "%.*s/%s", (int)(dir_end - b), b, base == NULL ? from : base + 1);
    pthread_mutex_lock(&lock);
    trace_head(3, a);
    uint32_t length = (uint32_t)strlen(b);
    raw_write(&length, 4);
    raw_write(b, length);
    pthread_mutex_unlock(&lock);
  }
  return r;
}

int ftruncate64(int fd, off_t length) {
  REAL(ftruncate64, ftruncate_fn);
  int r = real_ftruncate64(fd, length);
  char path[4096];
  if (r == 0 && trace_fd >= 0 && fd_path(fd, path, sizeof path) && matches(path)) {
    pthread_mutex_lock(&lock);
    trace_head(4, path);
    uint64_t l = (uint64_t)length;
    raw_write(&l, 8);
    pthread_mutex_unlock(&lock);
  }
  return r;
}
int ftruncate(int fd, off_t length) { return ftruncate64(fd, length); }

typedef int (*unlink_fn)(const char *);
typedef int (*unlinkat_fn)(int, const char *, int);
static void trace_unlink(const char *pathname) {
  char dir[4096], full[4096];
  /* The name is gone: resolve its directory, then append the base name. */
  const char *base = strrchr(pathname, '/');
  if (base == NULL) {
    if (getcwd(dir, sizeof dir) == NULL) return;
    base = pathname;
  } else {
    char parent[4096];
    snprintf(parent, sizeof parent, "%.*s", (int)(base - pathname), pathname);
    if (realpath(parent[0] == 0 ? "/" : parent, dir) == NULL) return;
    base++;
  }
  snprintf(full, sizeof full, "%s/%s", dir, base);
  if (!matches(full)) return;
  pthread_mutex_lock(&lock);
  trace_head(5, full);
  pthread_mutex_unlock(&lock);
}
int unlink(const char *pathname) {
  REAL(unlink, unlink_fn);
  int r = real_unlink(pathname);
  if (r == 0 && trace_fd >= 0) trace_unlink(pathname);
  return r;
}
int unlinkat(int dirfd, const char *pathname, int flags) {
  REAL(unlinkat, unlinkat_fn);
  int r = real_unlinkat(dirfd, pathname, flags);
  if (r == 0 && trace_fd >= 0 && !(flags & AT_REMOVEDIR) && (dirfd == AT_FDCWD || pathname[0] == '/')) trace_unlink(pathname);
  return r;
}

typedef int (*mkdir_fn)(const char *, mode_t);
int mkdir(const char *pathname, mode_t mode) {
  REAL(mkdir, mkdir_fn);
  int r = real_mkdir(pathname, mode);
  char full[4096];
  if (r == 0 && trace_fd >= 0 && realpath(pathname, full) != NULL && matches(full)) {
    pthread_mutex_lock(&lock);
    trace_head(6, full);
    pthread_mutex_unlock(&lock);
  }
  return r;
}
