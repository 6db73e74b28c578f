// LD_PRELOAD shim for running mcplatform under valgrind (bench/run --only callgrind).
//
// Swift's async main parks the main thread in libdispatch, which calls sigsuspend() with a
// mask in read-only memory; valgrind's rt_sigsuspend wrapper (3.19 to 3.27 at least) writes
// to that mask in place and dies with SIGSEGV ("the 'impossible' happened"). This sigsuspend
// hands the kernel a writable copy instead. Nothing else changes.
#define _GNU_SOURCE
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

int sigsuspend(const sigset_t *mask) {
    sigset_t copy = *mask;
    return (int)syscall(SYS_rt_sigsuspend, &copy, _NSIG / 8);
}
