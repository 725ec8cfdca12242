#define _GNU_SOURCE
#include "CShims.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static void set_limit(int resource, long long value) {
    if (value < 0) return;
    struct rlimit r = {(rlim_t)value, (rlim_t)value};
    if (resource == RLIMIT_CPU) r.rlim_max = (rlim_t)value + 1;  // SIGXCPU first, SIGKILL a second later
    setrlimit(resource, &r);
}

static void child_fail(int report_fd, int err) {
    ssize_t ignored = write(report_fd, &err, sizeof err);
    (void)ignored;
    _exit(127);
}

int evolve_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
                 const struct evolve_spawn_limits *limits, int stdout_fd, int stderr_fd,
                 int uid, int gid, pid_t *pid_out) {
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) return errno;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        int err = errno;
        close(report[0]);
        close(report[1]);
        return err;
    }
    if (pid == 0) {
        // Child: async-signal-safe calls only until execve.
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (setsid() < 0) child_fail(report[1], errno);
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) child_fail(report[1], errno);
        if (getppid() != parent) _exit(127);  // the parent died before prctl took effect
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull < 0 || dup2(devnull, 0) < 0) child_fail(report[1], errno);
        if (dup2(stdout_fd, 1) < 0 || dup2(stderr_fd, 2) < 0) child_fail(report[1], errno);
        if (cwd && chdir(cwd) != 0) child_fail(report[1], errno);
        if (limits) {
            set_limit(RLIMIT_CPU, limits->cpu_seconds);
            set_limit(RLIMIT_AS, limits->address_space_bytes);
            set_limit(RLIMIT_FSIZE, limits->file_size_bytes);
            set_limit(RLIMIT_NOFILE, limits->open_files);
            set_limit(RLIMIT_NPROC, limits->processes);
            set_limit(RLIMIT_CORE, limits->core_bytes);
        }
        if (gid >= 0) {
            if (setgroups(0, NULL) != 0 || setgid((gid_t)gid) != 0) child_fail(report[1], errno);
        }
        if (uid >= 0 && setuid((uid_t)uid) != 0) child_fail(report[1], errno);
        // Parent-death signal is cleared by setuid; set it again.
        if (uid >= 0 && prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) child_fail(report[1], errno);
        execve(path, argv, envp);
        child_fail(report[1], errno);
    }
    close(report[1]);
    int child_errno = 0;
    ssize_t n;
    do {
        n = read(report[0], &child_errno, sizeof child_errno);
    } while (n < 0 && errno == EINTR);
    close(report[0]);
    if (n == sizeof child_errno) {
        int status;
        waitpid(pid, &status, 0);
        return child_errno;
    }
    *pid_out = pid;
    return 0;
}

int evolve_wait(pid_t pid, int nohang, int *status, double *user_seconds, double *system_seconds,
                long *max_rss_kb) {
    struct rusage usage;
    memset(&usage, 0, sizeof usage);
    pid_t r;
    do {
        r = wait4(pid, status, nohang ? WNOHANG : 0, &usage);
    } while (r < 0 && errno == EINTR);
    if (r < 0) return -errno;
    if (r > 0) {
        *user_seconds = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6;
        *system_seconds = usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
        *max_rss_kb = usage.ru_maxrss;
    }
    return r;
}

int evolve_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC) == 0 ? 0 : errno;
}
