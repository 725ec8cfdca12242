#ifndef EVOLVE_CSHIMS_H
#define EVOLVE_CSHIMS_H

#include <curl/curl.h>
#include <stddef.h>

// curl_easy_setopt and curl_easy_getinfo are variadic: Swift cannot call them, so each argument type
// gets a fixed-signature wrapper.
CURLcode evolve_curl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode evolve_curl_setopt_off(CURL *handle, CURLoption option, curl_off_t value);
CURLcode evolve_curl_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode evolve_curl_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode evolve_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);

typedef size_t (*evolve_curl_data_callback)(char *data, size_t size, size_t count, void *context);
typedef int (*evolve_curl_progress_callback)(void *context, curl_off_t dltotal, curl_off_t dlnow,
                                             curl_off_t ultotal, curl_off_t ulnow);
CURLcode evolve_curl_setopt_data_callback(CURL *handle, CURLoption option, evolve_curl_data_callback cb);
CURLcode evolve_curl_setopt_progress_callback(CURL *handle, evolve_curl_progress_callback cb);

CURLcode evolve_curl_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode evolve_curl_getinfo_double(CURL *handle, CURLINFO info, double *value);

// The loaded libcurl's version string.
const char *evolve_curl_version(void);

// <sys/wait.h> status decoding is done with function-like macros.
int evolve_wifexited(int status);
int evolve_wexitstatus(int status);
int evolve_wifsignaled(int status);
int evolve_wtermsig(int status);

// Kernel feature probes that need variadic syscall()/prctl().
// Landlock ABI version (>= 1) or a negative errno when unsupported.
int evolve_landlock_abi_version(void);
// 1 when the kernel accepts seccomp filters for this process (CONFIG_SECCOMP_FILTER), else 0.
int evolve_seccomp_filter_available(void);

#endif

// ---- Sandbox process spawning ----
#include <sys/types.h>

/// Resource limits applied in the child before exec; a negative value leaves that limit unchanged.
struct evolve_spawn_limits {
    long long cpu_seconds;
    long long address_space_bytes;
    long long file_size_bytes;
    long long open_files;
    long long processes;
    long long core_bytes;
    long long data_bytes;
};

/// Kernel confinement applied in the child after the uid switch, for machines without namespaces.
struct evolve_spawn_confinement {
    /// Nonzero: a seccomp filter makes socket(AF_INET/AF_INET6) and io_uring_setup fail with EACCES.
    int deny_inet_sockets;
    /// Landlock ABI to use (0: no Landlock). Writes are then allowed only beneath `writable_dir`, to
    /// /dev/null, and to files under /proc (which file permissions guard).
    int landlock_abi;
    const char *writable_dir;
    /// Nonzero: the command becomes a child subreaper, so descendants orphaned while it runs (a
    /// grandchild that called setsid) stay in its process tree, where the supervisor can find them.
    int child_subreaper;
    /// Open `cgroup.procs` files (v1 or v2) the child writes "0" to before anything else, so the run and
    /// all it starts are counted and limited by those cgroups (memory, pids).
    const int *cgroup_procs_fds;
    int cgroup_procs_count;
    /// Non-null (root only): the child enters a mount namespace of its own, bind-mounts its working
    /// directory on this existing directory there and works in it, before dropping to `uid`. A work dir
    /// under a private parent (a clone in /root, mode 0700) is then reachable by the run's uid without
    /// opening any host directory to others; the bind is gone with the namespace, so a killed run leaves
    /// no mount behind.
    const char *work_alias;
};

/// fork + exec with, in the child and before exec: optionally joining cgroups, a new session (so the whole
/// tree is one process group), SIGKILL on parent death, stdin from /dev/null, stdout/stderr to the given
/// descriptors and every other descriptor closed on exec (nothing the parent holds is inherited), the
/// working directory, rlimits, the process's nice value (not the calling thread's), optionally a different
/// uid/gid (with supplementary groups dropped), and optionally seccomp/Landlock confinement (which sets
/// no_new_privs).
/// Only async-signal-safe calls run between fork and exec. Returns 0 and the pid, or an errno; a failure
/// in the child before exec is reported back through a close-on-exec pipe.
int evolve_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
                 const struct evolve_spawn_limits *limits, int stdout_fd, int stderr_fd,
                 int uid, int gid, const struct evolve_spawn_confinement *confinement, pid_t *pid_out);

/// Whether `pid` has ended, without reaping it (waitid with WNOWAIT): 1 ended, 0 running, -errno.
/// The zombie keeps the pid (and so the process-group id) reserved until `evolve_wait` reaps it, so the
/// group can still be killed safely in between.
int evolve_exited_unreaped(pid_t pid);

/// waitpid with resource usage: returns the pid (0 if still running with nohang), or -errno.
int evolve_wait(pid_t pid, int nohang, int *status, double *user_seconds, double *system_seconds,
                long *max_rss_kb);

/// pipe2(fds, O_CLOEXEC): both ends close on exec, atomically (no leak into a concurrent spawn).
int evolve_pipe_cloexec(int fds[2]);

// ---- Work-dir filesystems ----
/// What a filesystem holds and has left (statfs), in bytes and inodes.
struct evolve_fs_usage {
    long long used_bytes;
    long long used_files;
    long long free_bytes;
    long long free_files;
};
/// statfs(path): 0 or an errno.
int evolve_fs_usage(const char *path, struct evolve_fs_usage *usage);
/// Mounts a tmpfs (nosuid, nodev) with `options` ("size=…,nr_inodes=…,mode=…") on `path`: 0 or an errno.
int evolve_mount_tmpfs(const char *path, const char *options);
/// Changes a tmpfs's size/nr_inodes in place: 0 or an errno.
int evolve_remount_tmpfs(const char *path, const char *options);
/// umount2(path, MNT_DETACH): 0 or an errno.
int evolve_unmount_detached(const char *path);
