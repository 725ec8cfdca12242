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
