#define _GNU_SOURCE
#include "CShims.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#if defined(__x86_64__)
#define EVOLVE_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define EVOLVE_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

static void set_limit(int resource, long long value) {
    if (value < 0) return;
    struct rlimit r = {(rlim_t)value, (rlim_t)value};
    if (resource == RLIMIT_CPU) r.rlim_max = (rlim_t)value + 1;  // SIGXCPU first, SIGKILL a second later
    setrlimit(resource, &r);
}

/// Marks every descriptor above stderr close-on-exec, so nothing evolve (or whoever started it) holds open
/// reaches the command: close_range when the kernel has it, else one fcntl per possible descriptor.
/// Close-on-exec rather than close: the failure-report pipe must stay usable until execve.
static int seal_inherited_descriptors(void) {
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */) == 0) return 0;
#endif
    struct rlimit r;
    long top = (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur != RLIM_INFINITY) ? (long)r.rlim_cur : 65536;
    if (top > 1L << 20) top = 1L << 20;
    for (long fd = 3; fd < top; fd++) {
        int flags = fcntl((int)fd, F_GETFD);
        if (flags >= 0 && fcntl((int)fd, F_SETFD, flags | FD_CLOEXEC) != 0) return errno;
    }
    return 0;
}

/// Moves the calling process into each cgroup whose `cgroup.procs` is open on one of `fds` ("0" = self).
static int join_cgroups(const int *fds, int count) {
    for (int i = 0; i < count; i++) {
        ssize_t n;
        do {
            n = write(fds[i], "0", 1);
        } while (n < 0 && errno == EINTR);
        if (n != 1) return n < 0 ? errno : EIO;
    }
    return 0;
}

static void child_fail(int report_fd, int err) {
    ssize_t ignored = write(report_fd, &err, sizeof err);
    (void)ignored;
    _exit(127);
}

/// Refuses IPv4/IPv6 sockets (and io_uring, which can open sockets without the socket syscall).
/// Syscalls of a foreign ABI (32-bit or x32 entry points) are refused outright, so socketcall cannot
/// bypass the check. Returns 0 or an errno.
static int deny_inet_sockets(void) {
#ifdef EVOLVE_AUDIT_ARCH
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, EVOLVE_AUDIT_ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#if defined(__x86_64__)
        // x32 syscalls share the arch value but set bit 30 of the number.
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
#endif
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_io_uring_setup, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socket, 0, 4),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_INET, 1, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_INET6, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog program = {(unsigned short)(sizeof filter / sizeof filter[0]), filter};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) != 0) return errno;
    return 0;
#else
    return ENOSYS;
#endif
}

// Landlock's ABI, declared here because distribution headers lag the kernel.
struct evolve_landlock_ruleset_attr {
    uint64_t handled_access_fs;
};
struct evolve_landlock_path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));
#define EVOLVE_LANDLOCK_RULE_PATH_BENEATH 1
#define EVOLVE_LL_WRITE_FILE (1ULL << 1)
#define EVOLVE_LL_TRUNCATE (1ULL << 14)

static int landlock_allow(int ruleset, const char *path, uint64_t access) {
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0) return errno;
    struct evolve_landlock_path_beneath_attr rule = {access, fd};
    long r = syscall(445 /* landlock_add_rule */, ruleset, EVOLVE_LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
    int err = r == 0 ? 0 : errno;
    close(fd);
    return err;
}

/// Handles every write-like filesystem right the ABI knows and grants them beneath `dir` only (and
/// plain writes to /dev/null and /proc). Reads and execution stay unrestricted. Returns 0 or an errno.
static int confine_writes(int abi, const char *dir) {
    uint64_t writes = (1ULL << 1) | (0x1FFULL << 4);  // WRITE_FILE, REMOVE_DIR … MAKE_SYM
    if (abi >= 2) writes |= 1ULL << 13;                // REFER
    if (abi >= 3) writes |= EVOLVE_LL_TRUNCATE;
    struct evolve_landlock_ruleset_attr attr = {writes};
    int ruleset = (int)syscall(444 /* landlock_create_ruleset */, &attr, sizeof attr, 0);
    if (ruleset < 0) return errno;
    int err = landlock_allow(ruleset, dir, writes);
    uint64_t file_writes = EVOLVE_LL_WRITE_FILE | (abi >= 3 ? EVOLVE_LL_TRUNCATE : 0);
    if (err == 0) err = landlock_allow(ruleset, "/dev/null", file_writes);
    // unshare -r writes its own /proc/self/{uid_map,gid_map,setgroups}; the uid bars the rest of /proc.
    if (err == 0) err = landlock_allow(ruleset, "/proc", file_writes);
    if (err == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) err = errno;
    if (err == 0 && syscall(446 /* landlock_restrict_self */, ruleset, 0) != 0) err = errno;
    close(ruleset);
    return err;
}

int evolve_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
                 const struct evolve_spawn_limits *limits, int stdout_fd, int stderr_fd,
                 int uid, int gid, const struct evolve_spawn_confinement *confinement, pid_t *pid_out) {
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) return errno;
    pid_t parent = getpid();
    // The nice value is per thread on Linux, and libdispatch gives its worker threads their QoS's value
    // (0, or -4 for an overcommit queue when evolve runs as root), whatever `nice evolve …` set: a child
    // forked from such a thread would run at that value. It gets the process's own (its main thread's).
    errno = 0;
    int process_nice = getpriority(PRIO_PROCESS, (id_t)parent);
    int have_nice = !(process_nice == -1 && errno != 0);
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
        // Before setuid, while root may still lower it; best effort (a user cannot lower its own).
        if (have_nice) (void)setpriority(PRIO_PROCESS, 0, process_nice);
        // Joined first, while still root: everything the run allocates from here on is charged there.
        if (confinement && confinement->cgroup_procs_count > 0) {
            int err = join_cgroups(confinement->cgroup_procs_fds, confinement->cgroup_procs_count);
            if (err != 0) child_fail(report[1], err);
        }
        int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (devnull < 0 || dup2(devnull, 0) < 0) child_fail(report[1], errno);
        if (dup2(stdout_fd, 1) < 0 || dup2(stderr_fd, 2) < 0) child_fail(report[1], errno);
        {
            int err = seal_inherited_descriptors();
            if (err != 0) child_fail(report[1], err);
        }
        if (cwd && chdir(cwd) != 0) child_fail(report[1], errno);
        if (confinement && confinement->work_alias) {
            // Slave, not private: the host's unmounts (other runs' work dirs) still reach this copy of
            // the mount table, so it pins no tmpfs after the host let go of it; the bind stays here.
            if (unshare(CLONE_NEWNS) != 0) child_fail(report[1], errno);
            if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) != 0) child_fail(report[1], errno);
            if (mount(".", confinement->work_alias, NULL, MS_BIND | MS_REC, NULL) != 0) child_fail(report[1], errno);
            if (chdir(confinement->work_alias) != 0) child_fail(report[1], errno);
        }
        if (limits) {
            set_limit(RLIMIT_CPU, limits->cpu_seconds);
            set_limit(RLIMIT_AS, limits->address_space_bytes);
            set_limit(RLIMIT_FSIZE, limits->file_size_bytes);
            set_limit(RLIMIT_NOFILE, limits->open_files);
            set_limit(RLIMIT_NPROC, limits->processes);
            set_limit(RLIMIT_CORE, limits->core_bytes);
            set_limit(RLIMIT_DATA, limits->data_bytes);
        }
        if (gid >= 0) {
            if (setgroups(0, NULL) != 0 || setgid((gid_t)gid) != 0) child_fail(report[1], errno);
        }
        if (uid >= 0 && setuid((uid_t)uid) != 0) child_fail(report[1], errno);
        // Parent-death signal is cleared by setuid; set it again.
        if (uid >= 0 && prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) child_fail(report[1], errno);
        if (confinement && confinement->landlock_abi > 0 && confinement->writable_dir) {
            int err = confine_writes(confinement->landlock_abi, confinement->writable_dir);
            if (err != 0) child_fail(report[1], err);
        }
        if (confinement && confinement->child_subreaper && prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
            child_fail(report[1], errno);
        if (confinement && confinement->deny_inet_sockets) {
            int err = deny_inet_sockets();
            if (err != 0) child_fail(report[1], err);
        }
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

int evolve_exited_unreaped(pid_t pid) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    int r;
    do {
        r = waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT);
    } while (r < 0 && errno == EINTR);
    if (r < 0) return -errno;
    return info.si_pid == pid ? 1 : 0;
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
