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
