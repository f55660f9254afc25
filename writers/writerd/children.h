/*
 * writers/writerd/children.h - the commands vss-writerd's writers left
 * running, ended at SIGTERM when their handler would not return soon.
 */
#ifndef WD_CHILDREN_H
#define WD_CHILDREN_H

/*
 * Send sig to the process group of every child process of vss-writerd
 * (the backends run their commands each in a group of its own), never to
 * vss-writerd's own group.  Returns how many groups were signalled.
 */
unsigned wd_children_signal(int sig);

#endif
