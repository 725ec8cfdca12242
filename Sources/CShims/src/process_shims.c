#define _GNU_SOURCE
#include "CShims.h"
#include <errno.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/seccomp.h>

int evolve_wifexited(int status) { return WIFEXITED(status); }
int evolve_wexitstatus(int status) { return WEXITSTATUS(status); }
int evolve_wifsignaled(int status) { return WIFSIGNALED(status); }
int evolve_wtermsig(int status) { return WTERMSIG(status); }

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif
#define EVOLVE_LANDLOCK_CREATE_RULESET_VERSION (1U << 0)

int evolve_landlock_abi_version(void) {
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, EVOLVE_LANDLOCK_CREATE_RULESET_VERSION);
    return abi < 0 ? -errno : (int)abi;
}

int evolve_seccomp_filter_available(void) {
    // With a NULL filter the kernel answers EFAULT when filters are supported and EINVAL when not,
    // without installing anything.
    if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0) return 0;
    long r = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, NULL, 0, 0);
    return (r < 0 && errno == EFAULT) ? 1 : 0;
}

// ---- Work-dir filesystems (sys/vfs.h and sys/mount.h are not in Swift's Glibc module) ----
#include <sys/mount.h>
#include <sys/vfs.h>

int evolve_fs_usage(const char *path, struct evolve_fs_usage *usage) {
    struct statfs info;
    if (statfs(path, &info) != 0) return errno;
    usage->used_bytes = (long long)(info.f_blocks - info.f_bfree) * (long long)info.f_bsize;
    usage->used_files = (long long)(info.f_files - info.f_ffree);
    usage->free_bytes = (long long)info.f_bavail * (long long)info.f_bsize;
    usage->free_files = (long long)info.f_ffree;
    return 0;
}

int evolve_mount_tmpfs(const char *path, const char *options) {
    return mount("evolve-work", path, "tmpfs", MS_NOSUID | MS_NODEV, options) == 0 ? 0 : errno;
}

int evolve_remount_tmpfs(const char *path, const char *options) {
    return mount(NULL, path, NULL, MS_REMOUNT | MS_NOSUID | MS_NODEV, options) == 0 ? 0 : errno;
}

int evolve_unmount_detached(const char *path) {
    return umount2(path, MNT_DETACH) == 0 ? 0 : errno;
}
