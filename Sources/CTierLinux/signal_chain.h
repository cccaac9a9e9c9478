// Shared by the process's signal handlers (sigbus.c, fatalguard.c); not part of the module's API.
#pragma once
#include <signal.h>

/// Passes a signal that ends the process unless handled to `before`, the handler installed
/// before ours, with every guarded arena released first so that whatever reports it can read
/// the heap; registers them again if `before` returns (it dealt with the signal). With no handler
/// before ours, the default action: a fault re-executes on return and ends the process; a signal
/// sent by kill(2), raise(3) or abort(3) is raised again and does so once the handler returns.
void ctl_pass_fatal_signal(const struct sigaction *before, int signal, siginfo_t *info, void *ucontext);
