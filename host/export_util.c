/* export_util.c - what the exporters share: atomic output files, document checks, text lines.
 *
 * Private to the exporters (declared in export_util.h). Depends on libc and
 * POSIX (open_memstream, mkstemp, fsync, rename) only, and Linux's syncfs and
 * sync_file_range. */
#define _GNU_SOURCE /* O_TMPFILE */
#include "export_util.h"
#include "hash.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "async.h"
#include "files.h"

/* ---- output files ------------------------------------------------------ */

#define TMP_BASE_MAX 200 /* bytes of the file name kept in the temporary's name */

/* Deferred syncs (nb_out_defer_sync): off unless a batch turns it on. */
static int deferred;
/* The syncs made (nb_out_test_syncs), and those of a whole file system among them. */
static long syncs, fs_syncs;

/* The folder given to nb_out_defer_sync, open since (-1: none). */
static int deferred_fd = -1;

static int sync_fs(int fd);
static const char *folder_of(const char *path, char *buf, size_t len);

void nb_out_defer_sync(int on, const char *folder)
{
    deferred = on;
    if (deferred_fd >= 0)
        close(deferred_fd);
    deferred_fd = on && folder ? open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
}

long nb_out_test_syncs(void)
{
    return syncs;
}

long nb_out_test_fs_syncs(void)
{
    return fs_syncs;
}

/* A group of files (nb_out_group_begin): each file committed since, closed and waiting
 * for nb_out_group_end (an unnamed temporary still unnamed), and the tag it came under. */
static int grouped, group_tag;
static int group_sha256; /* the group asked for the SHA-256 of its files */
static struct pending {
    nb_out out;
    int tag;
} *pending;
static int npending, pending_cap;
/* Unnamed temporaries kept open past this many are named at once (each holds a file
 * descriptor until the group's end). */
#define GROUP_OPEN_MAX 64

/* The files put in place since the last nb_out_group_begin, with their SHA-256. */
static struct placed {
    char *path;
    char sha256[65];
} *in_place;
static int nplaced, placed_cap;

/* Forgets the files noted (keeping the room for more). */
static void placed_clear(void)
{
    for (int i = 0; i < nplaced; i++)
        free(in_place[i].path);
    nplaced = 0;
}

static void placed_free(void)
{
    placed_clear();
    free(in_place);
    in_place = NULL;
    nplaced = placed_cap = 0;
}

/* Notes O put in place (out of memory: not noted; nb_out_placed_sha256 says NULL). */
static void placed_add(const nb_out *o)
{
    static int registered;
    if (nplaced == placed_cap) {
        int cap = placed_cap ? 2 * placed_cap : 16;
        struct placed *p = realloc(in_place, (size_t)cap * sizeof *p);
        if (!p)
            return;
        in_place = p;
        placed_cap = cap;
        if (!registered)
            registered = atexit(placed_free) == 0;
    }
    if ((in_place[nplaced].path = strdup(o->path))) {
        memcpy(in_place[nplaced].sha256, o->sha256, sizeof o->sha256);
        nplaced++;
    }
}

const char *nb_out_placed_sha256(const char *path)
{
    for (int i = nplaced - 1; i >= 0; i--)
        if (strcmp(in_place[i].path, path) == 0)
            return in_place[i].sha256[0] ? in_place[i].sha256 : NULL;
    return NULL;
}

/* fsync, counted (from any thread). */
static int sync_now(int fd)
{
    __atomic_add_fetch(&syncs, 1, __ATOMIC_RELAXED);
    return fsync(fd);
}

/* fsync, counted; skipped (0) while syncs are deferred, and for a grouped file (synced
 * with the others at the group's end). */
static int sync_fd(int fd)
{
    return deferred || grouped ? 0 : sync_now(fd);
}

/* Syncs the file system of the open folder FD, and FD itself; 0 or an errno. */
static int sync_fs(int fd)
{
    int e = 0;
    syncs++;
    fs_syncs++;
#ifdef __linux__
    if (syncfs(fd) != 0) /* every file of the file system, and the errors since FD was opened */
        e = errno;
#else
    sync();
    if (fsync(fd) != 0)
        e = errno;
#endif
    return e;
}

/* Syncs the file system of FOLDER and FOLDER itself; 0 or an errno. */
static int sync_all(const char *folder)
{
    int fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        syncs++;
        return errno;
    }
    int e = sync_fs(fd);
    close(fd);
    return e;
}

nb_err nb_out_sync_deferred(const char *folder, char *err, size_t errlen)
{
    /* through the folder opened when the batch began: the errors of writing back since */
    int e = deferred_fd >= 0 ? sync_fs(deferred_fd) : sync_all(folder);
    nb_out_folder_syncs_wait();
    if (e) {
        snprintf(err, errlen, "%s: cannot sync the files written: %s", folder, strerror(e));
        return NB_ERR_IO;
    }
    return NB_OK;
}

/* The failure-injection seam (nb_out_test_fail_close): off unless a test sets it. */
static int fail_close_nth;
static int fail_close_errno;

void nb_out_test_fail_close(int nth, int errnum)
{
    fail_close_nth = nth;
    fail_close_errno = errnum;
}

/* 1 when this close is the one a test asked to fail. */
static int close_injected(void)
{
    return fail_close_nth > 0 && --fail_close_nth == 0;
}

/* The process's umask. umask() can only be read by setting it, so it is set
 * back at once (nianbao runs one thread). */
static mode_t current_umask(void)
{
    mode_t m = umask(0);
    umask(m);
    return m;
}

/* The permissions of PATH when it is a file already (a replaced file keeps them), else -1. */
static int existing_mode(const char *path)
{
    struct stat st;

    if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
        return (int)(st.st_mode & 0777);
    return -1;
}

/* The bytes of the file name BASE a temporary's name keeps: at most TMP_BASE_MAX, cut at a
 * UTF-8 character boundary, so the temporary's name stays a valid file name. */
static size_t tmp_base_len(const char *base)
{
    size_t n = strlen(base);
    if (n > TMP_BASE_MAX) {
        n = TMP_BASE_MAX;
        while (n > 0 && ((unsigned char)base[n] & 0xC0) == 0x80)
            n--;
    }
    return n;
}

/* "DIR/.NAME.XXXXXX" for PATH "DIR/NAME", the name cut to TMP_BASE_MAX bytes
 * (at a UTF-8 character boundary) so the result stays a valid file name. */
static char *tmp_template(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t dirlen = (size_t)(base - path), baselen = tmp_base_len(base), n;
    char *t;

    n = dirlen + 1 + baselen + sizeof ".XXXXXX";
    if ((t = malloc(n)))
        snprintf(t, n, "%.*s.%.*s.XXXXXX", (int)dirlen, path, (int)baselen, base);
    return t;
}

/* F is the temporary ".NAME.XXXXXX" of BASE (N: the bytes of it the name keeps). */
static int temporary_of(const char *f, const char *base, size_t n)
{
    return f[0] == '.' && strncmp(f + 1, base, n) == 0 && f[n + 1] == '.' && strlen(f + n + 2) == 6;
}

/* The names in the folder last read that may be temporaries an earlier export left
 * (".NAME.XXXXXX"): a folder is read once a process, not once a file (a report's files
 * go to one folder, each body's in a regen). n = -1: more than STALE_MAX, read again
 * for each file. */
#define STALE_MAX 16
static struct {
    char folder[4096];
    int n;
    char names[STALE_MAX][256];
} stale;

/* Removes FOLDER/F when it is a temporary of BASE; 1 if so. */
static int unlink_stale(const char *folder, const char *f, const char *base, size_t n)
{
    char path[4400];

    if (!temporary_of(f, base, n))
        return 0;
    snprintf(path, sizeof path, "%s/%s", folder, f);
    unlink(path);
    return 1;
}

/* Reads FOLDER into stale (unlinking at once those of BASE when there are too many to
 * keep). */
static void read_stale(const char *folder, const char *base, size_t n)
{
    DIR *d = opendir(*folder ? folder : "/");
    struct dirent *e;

    snprintf(stale.folder, sizeof stale.folder, "%s", folder);
    stale.n = 0;
    while (d && (e = readdir(d)) != NULL) {
        const char *f = e->d_name;
        size_t len = strlen(f);
        if (f[0] != '.' || len < 9 || f[len - 7] != '.')
            continue;
        if (stale.n >= 0 && stale.n < STALE_MAX && len < sizeof stale.names[0]) {
            memcpy(stale.names[stale.n++], f, len + 1);
            continue;
        }
        for (int i = 0; i < stale.n; i++) /* too many: those kept so far looked at now */
            unlink_stale(folder, stale.names[i], base, n);
        stale.n = -1;
        unlink_stale(folder, f, base, n);
    }
    if (d)
        closedir(d);
}

/* Removes the temporary files ".NAME.XXXXXX" an earlier export of PATH left when it was
 * killed (a named temporary lives only between its link and its rename). */
static void remove_stale(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t n = tmp_base_len(base);
    char folder[4096];

    snprintf(folder, sizeof folder, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
    if (stale.n < 0 || !stale.folder[0] || strcmp(folder, stale.folder) != 0) {
        read_stale(folder, base, n);
        if (stale.n < 0) /* too many to keep: removed as read, read again next time */
            return;
    }
    for (int i = 0; i < stale.n; i++)
        if (unlink_stale(folder, stale.names[i], base, n))
            memcpy(stale.names[i--], stale.names[--stale.n], sizeof stale.names[0]);
}

/* An unnamed file in PATH's folder (O_TMPFILE): a process killed while writing it leaves
 * nothing. -1 where the system has none. */
static int open_unnamed(const char *path, mode_t mode)
{
#ifdef O_TMPFILE
    static int proc = -1; /* /proc/self/fd can be used (asked once) */
    if (proc < 0)
        proc = access("/proc/self/fd", X_OK) == 0;
    if (!proc) /* it is linked through /proc */
        return -1;
    const char *slash = strrchr(path, '/');
    char folder[4096];
    snprintf(folder, sizeof folder, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
    return open(*folder ? folder : "/", O_TMPFILE | O_RDWR | O_CLOEXEC, mode);
#else
    (void)path, (void)mode;
    return -1;
#endif
}

/* Makes the temporary file for PATH, open in O->fd: unnamed where the system allows
 * (linked under O->tmp at commit), else named O->tmp at once. */
static nb_err out_create(nb_out *o, const char *path, char *err, size_t errlen)
{
    int e;

    memset(o, 0, sizeof *o);
    o->fd = -1;
    o->path = strdup(path);
    o->tmp = tmp_template(path);
    if (!o->path || !o->tmp) {
        nb_out_discard(o);
        snprintf(err, errlen, "%s: out of memory", path);
        return NB_ERR_NOMEM;
    }
    remove_stale(path);
    int kept = existing_mode(path);
    /* a new file gets 0666 less the umask, as fopen gives it */
    mode_t mode = kept >= 0 ? (mode_t)kept : 0666;
    if ((o->fd = open_unnamed(path, mode)) >= 0) {
        o->unnamed = 1;
        if (kept >= 0)
            fchmod(o->fd, mode); /* open's mode passed through the umask */
        snprintf(o->fdpath, sizeof o->fdpath, "/proc/self/fd/%d", o->fd);
        return NB_OK;
    }
    if (kept < 0)
        mode &= ~current_umask(); /* mkstemp makes it 0600 */
    if ((o->fd = mkstemp(o->tmp)) < 0) {
        e = errno;
        free(o->tmp); /* a template, not a file */
        o->tmp = NULL;
        nb_out_discard(o);
        snprintf(err, errlen, "%s: %s", path, strerror(e));
        return NB_ERR_IO;
    }
    nb_temp_register(o->tmp);
    if (fchmod(o->fd, mode) != 0) {
        e = errno;
        nb_out_discard(o);
        snprintf(err, errlen, "%s: %s", path, strerror(e));
        return NB_ERR_IO;
    }
    return NB_OK;
}

nb_err nb_out_open(nb_out *o, const char *path, char *err, size_t errlen)
{
    nb_err rc = out_create(o, path, err, errlen);

    if (rc != NB_OK)
        return rc;
    if (!(o->f = open_memstream(&o->buf, &o->len))) {
        nb_out_discard(o);
        snprintf(err, errlen, "%s: out of memory", path);
        return NB_ERR_NOMEM;
    }
    return NB_OK;
}

/* Writes LEN bytes of BUF to FD; 0 or an errno. A failure the test seam
 * asks for comes after half of the bytes. */
static int write_all(int fd, const char *buf, size_t len)
{
    size_t done = 0, stop = len;
    int injected = close_injected();

    if (injected)
        stop = len / 2;
    while (done < stop) {
        ssize_t n = write(fd, buf + done, stop - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno;
        done += (size_t)n;
    }
    return injected ? fail_close_errno : 0;
}

/* Writes the stream's bytes to the temporary file, syncs and closes it; 0
 * or an errno (ENOMEM: the stream ran out of memory). */
static int write_stream(nb_out *o)
{
    int failed = ferror(o->f), e;

    if (fclose(o->f) != 0 || failed) /* a stream in memory fails only for want of memory */
        e = ENOMEM;
    else
        e = write_all(o->fd, o->buf, o->len);
    o->f = NULL;
    if (!e && group_sha256)
        nb_sha256_hex(o->buf, o->len, o->sha256);
    else
        o->sha256[0] = '\0';
    if (!e && sync_fd(o->fd) != 0)
        e = errno;
    if (!e && grouped) { /* never while deferred (nb_out_group_begin) */
#ifdef __linux__
        /* its write-back begun now, while the group's next files are made; the group's end
           waits for it (an error is told there, by fsync) */
        if (o->unnamed)
            sync_file_range(o->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#endif
        /* a named temporary (no O_TMPFILE) is closed now: synced first */
        if (!o->unnamed && sync_now(o->fd) != 0)
            e = errno;
    }
    if (!o->unnamed) { /* an unnamed file stays open: it is linked at commit */
        if (close(o->fd) != 0 && !e)
            e = errno;
        o->fd = -1;
    }
    return e;
}

nb_err nb_out_close(nb_out *o, char *err, size_t errlen)
{
    int e = 0;

    if (o->f)
        e = write_stream(o);
    if (e == ENOMEM) {
        snprintf(err, errlen, "%s: out of memory", o->path);
        return NB_ERR_NOMEM;
    }
    if (e) {
        snprintf(err, errlen, "%s: write failed: %s", o->path, strerror(e));
        return NB_ERR_IO;
    }
    return NB_OK;
}

/* Syncs the folder of PATH, so that the rename itself survives a crash.
 * Best effort: not every file system can sync a folder. */
static void sync_folder(const char *path)
{
    if (deferred)
        return;
    const char *slash = strrchr(path, '/');
    char *folder = slash ? strndup(path, (size_t)(slash - path) + 1) : strdup(".");
    int fd;

    if (!folder)
        return;
    if ((fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
        sync_fd(fd);
        close(fd);
    }
    free(folder);
}

/* The syncs of the parents of folders just made (nb_out_folder_made), each in a thread of
 * its own while the files to go in them are made, and waited for when those files have
 * been placed (a group's end, a file's commit, a batch's sync) and at exit: a report into a
 * folder made anew waited 0.5-2 ms for its parent's fsync (a folder of many entries, on a
 * file system without a journal) before anything else. The
 * process that began them waits for them: a worker forked meanwhile only closes its copy
 * of the folder. */
#define FOLDER_SYNCS 8
static struct folder_sync {
    pthread_t thread;
    int fd;
    pid_t pid;
} folder_syncs[FOLDER_SYNCS];
static int nfolder_syncs, folder_syncs_registered;

static void *folder_sync_run(void *arg)
{
    fsync((int)(intptr_t)arg);
    return NULL;
}

void nb_out_folder_syncs_wait(void)
{
    pid_t me = getpid();
    for (int i = 0; i < nfolder_syncs; i++) {
        if (folder_syncs[i].pid == me)
            pthread_join(folder_syncs[i].thread, NULL);
        close(folder_syncs[i].fd);
    }
    nfolder_syncs = 0;
}

int nb_out_test_folder_syncs(void)
{
    return nfolder_syncs;
}

void nb_out_folder_made(const char *path)
{
    char p[4096];
    size_t n = strlen(path);
    if (deferred || n == 0 || n >= sizeof p)
        return;
    memcpy(p, path, n + 1);
    while (n > 1 && p[n - 1] == '/') /* "out/": the folder is "out" */
        p[--n] = '\0';
    char parent[sizeof p];
    int fd = open(folder_of(p, parent, sizeof parent), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return; /* best effort, as sync_folder */
    syncs++;
    if (nfolder_syncs == FOLDER_SYNCS)
        nb_out_folder_syncs_wait();
    if (!folder_syncs_registered)
        folder_syncs_registered = atexit(nb_out_folder_syncs_wait) == 0;
    pthread_attr_t attr;
    sigset_t all, old;
    int started = pthread_attr_init(&attr) == 0;
    if (started) {
        pthread_attr_setstacksize(&attr, 64 << 10); /* an fsync: no more */
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old); /* signals stay the main thread's */
        started = pthread_create(&folder_syncs[nfolder_syncs].thread, &attr, folder_sync_run,
                                 (void *)(intptr_t)fd) == 0;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        pthread_attr_destroy(&attr);
    }
    if (!started) { /* here, then */
        fsync(fd);
        close(fd);
        return;
    }
    folder_syncs[nfolder_syncs].fd = fd;
    folder_syncs[nfolder_syncs].pid = getpid();
    nfolder_syncs++;
}

/* Fills the last six characters of T ("XXXXXX") with random letters and digits. */
static void randomize(char *t)
{
    static const char set[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    static unsigned long long x;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (!x) /* once a process (a forked worker goes on from its parent's; the clock differs) */
        x = (unsigned long long)getpid() << 32;
    x ^= (unsigned long long)ts.tv_nsec * 2654435761u ^ (unsigned long long)ts.tv_sec;
    char *p = t + strlen(t) - 6;
    for (int i = 0; i < 6; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift */
        p[i] = set[x % (sizeof set - 1)];
    }
}

/* Gives the unnamed file its temporary name (the rename follows at once). */
static int link_unnamed(nb_out *o)
{
    int tries = 0;
    if (!o->unnamed)
        return 0;
    int linked;
    do {
        randomize(o->tmp);
        /* registered first: a stop between the link and the rename removes it */
        nb_temp_register(o->tmp);
        linked = linkat(AT_FDCWD, o->fdpath, AT_FDCWD, o->tmp, AT_SYMLINK_FOLLOW) == 0;
        if (!linked)
            nb_temp_forget(o->tmp);
    } while (!linked && errno == EEXIST && ++tries < 20);
    if (!linked)
        return -1;
    o->unnamed = 0;
    close(o->fd);
    o->fd = -1;
    return 0;
}

/* The folder of PATH ("." for a bare name), in BUF. */
static const char *folder_of(const char *path, char *buf, size_t len)
{
    const char *slash = strrchr(path, '/');
    snprintf(buf, len, "%.*s", slash ? (int)(slash - path) + 1 : 1, slash ? path : ".");
    return buf;
}

/* In a group: O's file, written and closed, waits for nb_out_group_end, which owns it
 * from now on (an unnamed temporary stays unnamed and open: a killed process leaves
 * nothing of it). */
static nb_err commit_later(nb_out *o, char *err, size_t errlen)
{
    if (npending == pending_cap) {
        int cap = pending_cap ? 2 * pending_cap : 16;
        struct pending *p = realloc(pending, (size_t)cap * sizeof *p);
        if (!p) {
            snprintf(err, errlen, "%s: out of memory", o->path);
            return NB_ERR_NOMEM;
        }
        pending = p;
        pending_cap = cap;
    }
    if (npending >= GROUP_OPEN_MAX && o->unnamed) { /* synced and named now: its descriptor closed */
        if (sync_now(o->fd) != 0) {
            snprintf(err, errlen, "%s: cannot sync the written file: %s", o->path, strerror(errno));
            return NB_ERR_IO;
        }
        if (link_unnamed(o) != 0) {
            snprintf(err, errlen, "%s: cannot give the written file a name: %s", o->path, strerror(errno));
            return NB_ERR_IO;
        }
    }
    free(o->buf); /* written out already */
    o->buf = NULL;
    o->len = 0;
    pending[npending++] = (struct pending){*o, group_tag};
    memset(o, 0, sizeof *o); /* nb_out_discard has nothing left to do */
    o->fd = -1;
    return NB_OK;
}

/* At most this many waits at once at a group's end (nb_each): the closes of the files
 * its renames replaced, its folders' fsyncs. */
#define WAITS_AT_ONCE 8

/* What a group's end lets go of at once: the files its renames replaced, held open
 * (HELD[0..NHELD)), and the folders of its files to sync (FOLDERS[0..NFOLDERS), a file's
 * path each). */
struct let_go {
    int *held, nheld;
    const char **folders;
    int nfolders;
};

static void let_go_run(void *ud, int i)
{
    struct let_go *lg = ud;
    if (i < lg->nheld)
        close(lg->held[i]);
    else
        sync_folder(lg->folders[i - lg->nheld]);
}

/* Discards the pending files of TAG (all: -1): closed, their temporaries removed. */
static void drop_pending(int tag)
{
    int kept = 0;
    for (int i = 0; i < npending; i++) {
        if (tag < 0 || pending[i].tag == tag)
            nb_out_discard(&pending[i].out);
        else
            pending[kept++] = pending[i];
    }
    npending = kept;
}

void nb_out_group_begin(int sha256)
{
    drop_pending(-1); /* none: a group is always ended */
    placed_clear();
    group_sha256 = sha256;
    if (!deferred) /* a batch syncs once at its very end */
        grouped = 1;
    group_tag = 0;
}

void nb_out_group_drop(int tag)
{
    drop_pending(tag);
}

void nb_out_group_tag(int tag)
{
    group_tag = tag;
}

nb_err nb_out_group_end(unsigned *failed, char *err, size_t errlen)
{
    nb_err rc = NB_OK;
    char folder[4096], last[4096] = "";
    int e;

    *failed = 0;
    grouped = 0;
    group_sha256 = 0;
    if (npending == 0) {
        nb_out_folder_syncs_wait();
        return NB_OK;
    }
    /* the data of every file (each file's own fsync: their write-back began as each was
       written, so one journal commit carries most; syncfs waited for every dirty page of
       the file system, 160 ms behind 300 MB another program had written), then each named
       and renamed, then their folders (each once). Files named early were synced then.
       (The fsyncs in threads of their own, at once, were no faster: 0.67 ms against 0.64
       for a report's eight, medians of 12.) */
    int synced = 1;
    for (int i = 0; i < npending && synced; i++) {
        nb_out *o = &pending[i].out;
        if (o->fd >= 0 && sync_now(o->fd) != 0) {
            e = errno;
            snprintf(err, errlen, "%s: cannot sync the written file: %s", o->path, strerror(e));
            rc = NB_ERR_IO;
            synced = 0;
        }
    }
    /* the file each rename replaces is held open until every file is in place, then let go
       of all at once (nb_each): its last close frees its blocks, and on a file system
       mounted with discard that waits for the disk (0.1-0.3 ms a file, within the rename) */
    int *held = synced ? malloc((size_t)(unsigned)npending * sizeof *held) : NULL, nheld = 0;
    for (int i = 0; i < npending; i++) {
        nb_out *o = &pending[i].out;
        int placed = 0;
        if (synced && held && nheld < GROUP_OPEN_MAX) { /* the rest replaced in the rename */
            int fd = open(o->path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
            if (fd >= 0)
                held[nheld++] = fd;
        }
        if (synced && link_unnamed(o) != 0) {
            if (rc == NB_OK) /* the first failure is told */
                snprintf(err, errlen, "%s: cannot give the written file a name: %s", o->path,
                         strerror(errno));
        } else if (synced && rename(o->tmp, o->path) != 0) {
            if (rc == NB_OK)
                snprintf(err, errlen, "%s: cannot move the written file into place: %s", o->path,
                         strerror(errno));
        } else if (synced) {
            placed = 1;
            placed_add(o);
            nb_temp_forget(o->tmp);
            free(o->tmp);
            o->tmp = NULL;
        }
        if (!placed) {
            rc = NB_ERR_IO;
            *failed |= 1u << (pending[i].tag & 31);
        }
    }
    /* the folders, each once, while the replaced files are let go of */
    struct let_go lg = {held, nheld, NULL, 0};
    const char **folders = synced ? malloc((size_t)(unsigned)npending * sizeof *folders) : NULL;
    for (int i = 0; synced && i < npending; i++) {
        if (strcmp(folder_of(pending[i].out.path, folder, sizeof folder), last) != 0) {
            if (folders)
                folders[lg.nfolders++] = pending[i].out.path;
            else /* out of memory: here, now */
                sync_folder(pending[i].out.path);
            snprintf(last, sizeof last, "%s", folder);
        }
    }
    lg.folders = folders;
    nb_each(lg.nheld + lg.nfolders, WAITS_AT_ONCE, let_go_run, &lg);
    free(folders);
    free(held);
    for (int i = 0; i < npending; i++)
        nb_out_discard(&pending[i].out); /* closes, removes a temporary not put in place */
    npending = 0;
    free(pending);
    pending = NULL;
    pending_cap = 0;
    nb_out_folder_syncs_wait(); /* the files' folders' own entries */
    return rc;
}

nb_err nb_out_commit(nb_out *o, char *err, size_t errlen)
{
    if (grouped)
        return commit_later(o, err, errlen);
    if (link_unnamed(o) != 0) {
        snprintf(err, errlen, "%s: cannot give the written file a name: %s", o->path,
                 strerror(errno));
        return NB_ERR_IO;
    }
    if (rename(o->tmp, o->path) != 0) {
        snprintf(err, errlen, "%s: cannot move the written file into place: %s", o->path,
                 strerror(errno));
        return NB_ERR_IO;
    }
    nb_temp_forget(o->tmp);
    free(o->tmp);
    o->tmp = NULL;
    sync_folder(o->path);
    nb_out_folder_syncs_wait();
    placed_add(o);
    return NB_OK;
}

void nb_out_discard(nb_out *o)
{
    if (o->f)
        fclose(o->f);
    if (o->path && o->fd >= 0)
        close(o->fd);
    if (o->tmp && !o->unnamed) {
        unlink(o->tmp);
        nb_temp_forget(o->tmp);
    }
    free(o->buf);
    free(o->tmp);
    free(o->path);
    memset(o, 0, sizeof *o);
    o->fd = -1;
}

nb_err nb_out_finish(nb_out *o, char *err, size_t errlen)
{
    nb_err rc = nb_out_close(o, err, errlen);

    if (rc == NB_OK)
        rc = nb_out_commit(o, err, errlen);
    nb_out_discard(o);
    return rc;
}

nb_err nb_out_fail(nb_out *o, nb_err e, char *err, size_t errlen)
{
    nb_err_prefix(e, o->path ? o->path : "", err, errlen);
    nb_out_discard(o);
    return e;
}

/* ---- the document ------------------------------------------------------ */

nb_err nb_blocks_valid(const nb_doc *doc, const char *path, char *err, size_t errlen)
{
    for (int b = 0; b < doc->nblocks; b++) {
        const nb_block *blk = &doc->blocks[b];
        if (blk->type == NB_BLOCK_TABLE && (blk->table < 0 || blk->table >= doc->ntables)) {
            snprintf(err, errlen, "%s: block %d names table %d of %d", path, b + 1, blk->table,
                     doc->ntables);
            return NB_ERR_INPUT;
        }
    }
    return NB_OK;
}

nb_err nb_export_stream(const nb_doc *doc, const char *path, nb_doc_writer write, char *err,
                        size_t errlen)
{
    nb_out o;
    nb_err rc;

    if ((rc = nb_blocks_valid(doc, path, err, errlen)) != NB_OK)
        return rc;
    if ((rc = nb_out_open(&o, path, err, errlen)) != NB_OK)
        return rc;
    if ((rc = write(o.f, doc, err, errlen)) != NB_OK)
        return nb_out_fail(&o, rc, err, errlen);
    return nb_out_finish(&o, err, errlen);
}

const char *nb_table_caption(const nb_doc *doc, int b)
{
    const nb_table *t = &doc->tables[doc->blocks[b].table];

    if (!t->title || !*t->title)
        return NULL;
    if (b > 0 && doc->blocks[b - 1].type == NB_BLOCK_HEADING && doc->blocks[b - 1].text
        && strcmp(doc->blocks[b - 1].text, t->title) == 0)
        return NULL;
    return t->title;
}

nb_err nb_err_prefix(nb_err e, const char *path, char *err, size_t errlen)
{
    char msg[1024];

    snprintf(msg, sizeof msg, "%s", err);
    snprintf(err, errlen, "%s: %s", path, msg);
    return e;
}

/* ---- text -------------------------------------------------------------- */

void nb_put_lines(FILE *f, const char *s, const char *nl)
{
    for (; s && *s; s++) {
        if (*s == '\n')
            fputs(nl, f);
        else if (*s != '\r')
            fputc(*s, f);
    }
}
