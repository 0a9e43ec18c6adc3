#include "zpscan/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Is process pid of this host gone? A zombie (killed, not yet reaped) is gone too. */
static int gone(long pid)
{
    if (pid <= 0) return 0;
    if (kill((pid_t)pid, 0) != 0) return errno == ESRCH;
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    const size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *rp = strrchr(buf, ')'); /* "pid (comm) S ...": the state follows the name */
    return rp && (rp[2] == 'Z' || rp[2] == 'X');
}

/* The lock appears with its owner already written in it: the line goes to a file of this
 * process's own, which link() then puts at the lock's name (atomic, and it fails if the name
 * is taken). A kill -9 can thus never leave an empty lock that looks held (test_resume's
 * kill trials met one: "pid 0", refused for 600 s); at worst, killed between the two, it
 * leaves the private .zpscan-lock.PID beside it, which no one reads. File systems without hard
 * links get the exclusive create instead. */
static zp_status create(zp_lock *l, const char *host)
{
    /* the private file: a short name in the lock's directory (same file system for link();
     * PATH.lock.PID could pass NAME_MAX where PATH.lock does not) */
    char tmp[sizeof l->path + 32];
    const char *slash = strrchr(l->path, '/');
    const int dirlen = slash ? (int)(slash - l->path) + 1 : 0;
    snprintf(tmp, sizeof tmp, "%.*s.zpscan-lock.%ld", dirlen, l->path, (long)getpid());
    const char *job = getenv("SLURM_JOB_ID");
    char buf[512];
    const int n = snprintf(buf, sizeof buf, "%s %ld %s %ld\n", host, (long)getpid(), job && *job ? job : "-",
                           (long)time(NULL));
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) return ZP_EIO;
    int bad = write(fd, buf, (size_t)n) != n;
    if (close(fd) != 0 || bad) {
        unlink(tmp);
        return ZP_EIO;
    }
    if (link(tmp, l->path) == 0) {
        unlink(tmp);
        l->held = 1;
        return ZP_OK;
    }
    const int e = errno;
    unlink(tmp);
    if (e == EEXIST) return ZP_EINPUT;
    if (e != EPERM && e != ENOTSUP && e != EOPNOTSUPP && e != EMLINK) {
        errno = e;
        return ZP_EIO;
    }
    fd = open(l->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644); /* no hard links */
    if (fd < 0) return errno == EEXIST ? ZP_EINPUT : ZP_EIO;
    bad = write(fd, buf, (size_t)n) != n;
    if (close(fd) != 0 || bad) {
        unlink(l->path);
        return ZP_EIO;
    }
    l->held = 1;
    return ZP_OK;
}

zp_status zp_lock_acquire(zp_lock *l, const char *output)
{
    memset(l, 0, sizeof *l);
    snprintf(l->path, sizeof l->path, "%s.lock", output);
    char host[256] = "?";
    gethostname(host, sizeof host - 1);
    for (int attempt = 0; attempt < 2; ++attempt) {
        const zp_status st = create(l, host);
        if (st == ZP_OK) return ZP_OK;
        if (st == ZP_EIO) ZP_FAIL(ZP_EIO, "%s: cannot create the lock: %s", l->path, strerror(errno));
        /* someone holds it: who, and are they still there? */
        struct stat sb;
        if (lstat(l->path, &sb) != 0) continue; /* just released: try again */
        if (!S_ISREG(sb.st_mode)) ZP_FAIL(ZP_EINPUT, "%s: is not a regular file; remove it", l->path);
        char hh[256] = "?", job[64] = "-";
        long pid = 0, since = 0;
        FILE *f = fopen(l->path, "r");
        if (f) {
            if (fscanf(f, "%255s %ld %63s %ld", hh, &pid, job, &since) != 4) pid = 0;
            fclose(f);
        }
        const double age = difftime(time(NULL), sb.st_mtime);
        const int dead_here = strcmp(hh, host) == 0 && gone(pid);
        if (dead_here || age > ZP_LOCK_STALE_SECONDS) { /* stale: the holder is gone */
            unlink(l->path);
            continue;
        }
        ZP_FAIL(ZP_EINPUT, "%s: another zpscan is writing it (host %s, pid %ld, job %s, lock %s refreshed %.0f s "
                "ago); if that job is gone, remove the lock or wait until it is %d s old", output, hh, pid, job,
                l->path, age, ZP_LOCK_STALE_SECONDS);
    }
    ZP_FAIL(ZP_EINPUT, "%s: another zpscan took the lock %s at the same moment", output, l->path);
}

void zp_lock_touch(zp_lock *l, double now)
{
    if (!l->held || now - l->last_touch < 5.0) return;
    l->last_touch = now;
    (void)utimensat(AT_FDCWD, l->path, NULL, AT_SYMLINK_NOFOLLOW);
}

void zp_lock_release(zp_lock *l)
{
    if (!l->held) return;
    unlink(l->path);
    l->held = 0;
}
