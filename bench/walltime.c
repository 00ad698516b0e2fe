/* walltime.c - runs a command and appends its wall time, peak memory, file system outputs
 * and inputs and its processor time to a file, as one line "SECONDS MAXRSS_KIB
 * OUTPUT_BLOCKS INPUT_BLOCKS CPU_SECONDS" (bench/scale.sh; blocks of 512 bytes, the inputs
 * those read from the disk, not from the page cache; the processor time user and system).
 *
 *   walltime FILE COMMAND [ARG...]
 *
 * The clock is read just before the fork and just after the wait, so a short command's time
 * is its own (the shell's `date` before and after added 1-2 ms to a 30 ms report: two
 * processes started inside the interval). The peak memory, the blocks and the processor time
 * are wait4's, as GNU time reports them: of the command and the processes it waited for
 * (the peak: the largest). Exits with the command's status (128 + the signal when killed). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: walltime FILE COMMAND [ARG...]\n");
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0) {
        perror("walltime: fork");
        return 2;
    }
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        fprintf(stderr, "walltime: %s: %s\n", argv[2], strerror(errno));
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid) {
        perror("walltime: wait4");
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    FILE *f = fopen(argv[1], "a");
    double cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                 (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    if (!f || fprintf(f, "%.6f %ld %ld %ld %.6f\n", s, ru.ru_maxrss, ru.ru_oublock, ru.ru_inblock, cpu) < 0 ||
        fclose(f) != 0) {
        fprintf(stderr, "walltime: %s: %s\n", argv[1], strerror(errno));
        return 2;
    }
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}
